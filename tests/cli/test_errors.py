"""Bad input ends in one line on stderr, a documented non-zero exit code and no traceback."""

from __future__ import annotations

import pytest

from ibkr.cli import SUBCOMMANDS, main
from tests.cli.helpers import Result, clean_env, free_port, ibkr


def one_line_error(r: Result, code: int) -> str:
    assert r.code == code, (r.code, r.out, r.err)
    assert "Traceback" not in r.err + r.out
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    return lines[0]


def test_unknown_subcommand() -> None:
    line = one_line_error(ibkr("frobnicate"), 2)
    assert "invalid choice: 'frobnicate'" in line


def test_no_subcommand() -> None:
    line = one_line_error(ibkr(), 2)
    assert "COMMAND" in line


def test_bad_arguments() -> None:
    assert "quantity must be positive" in one_line_error(ibkr("order", "place", "AAPL", "BUY", "-5"), 2)
    assert "invalid choice" in one_line_error(ibkr("order", "place", "AAPL", "HOLD", "5"), 2)
    assert "invalid price" in one_line_error(ibkr("order", "place", "AAPL", "BUY", "5", "LMT", "abc"), 2)
    assert "SYMBOL" in one_line_error(ibkr("quote"), 2)
    assert "--port" in one_line_error(ibkr("positions", "--port", "seven"), 2)


def test_bad_symbol_shape() -> None:
    line = one_line_error(ibkr("quote", "AA$PL", "--once"), 2)
    assert "invalid symbol 'AA$PL'" in line


def test_no_server_listening() -> None:
    port = free_port()
    line = one_line_error(ibkr("positions", "--port", str(port), "--timeout", "3"), 3)
    assert f"cannot connect to 127.0.0.1:{port}" in line


def test_demo_against_nothing_listening() -> None:
    line = one_line_error(ibkr("demo", "--port", str(free_port()), "--timeout", "3"), 3)
    assert "cannot connect" in line


@pytest.mark.parametrize("port", ["7496", "4001"])
def test_live_port_without_opt_in(port: str) -> None:
    line = one_line_error(ibkr("quote", "AAPL", "--once", "--port", port), 4)
    assert "live-trading port" in line and "--allow-live" in line


def test_live_port_from_environment() -> None:
    line = one_line_error(ibkr("orders", env=clean_env(IB_PORT="7496")), 4)
    assert "port 7496" in line


def test_live_port_with_opt_in_tries_to_connect() -> None:
    # the guard lets it through; nothing listens on 7496 here, so it is a connection failure
    # (unless something does listen: then anything but the guard's 4 is fine)
    r = ibkr("orders", "--port", "7496", "--allow-live", "--timeout", "2")
    assert r.code != 4 and "Traceback" not in r.err


def test_invalid_setting_from_environment() -> None:
    line = one_line_error(ibkr("orders", env=clean_env(IB_CLIENT_ID="abc")), 2)
    assert "IB_CLIENT_ID" in line


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert f"usage: ibkr {name}" in capsys.readouterr().out


def test_order_checks_before_connecting() -> None:
    # nothing listens on the port: these fail on their arguments (2), never on the connection (3)
    port = str(free_port())
    assert "needs a PRICE" in one_line_error(ibkr("order", "place", "AAPL", "BUY", "1", "LMT", "--port", port), 2)
    assert "nothing to modify" in one_line_error(ibkr("order", "modify", "3", "--port", port), 2)
    assert "order ID or --all" in one_line_error(ibkr("order", "cancel", "--port", port), 2)
