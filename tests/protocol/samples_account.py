"""Sample instances of the account messages (used by the generic round-trip tests and by
test_account.py)."""

from __future__ import annotations

from decimal import Decimal

from ibkr.protocol.message import Message
from ibkr.protocol.messages.account import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPnl,
    CancelPnlSingle,
    CancelPositions,
    CancelPositionsMulti,
    Pnl,
    PnlSingle,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPnl,
    ReqPnlSingle,
    ReqPositions,
    ReqPositionsMulti,
)
from ibkr.protocol.models import Contract

ES_OPTION = Contract(
    con_id=551601561,
    symbol="ES",
    sec_type="FOP",
    last_trade_date_or_contract_month="20261218",
    strike=6500.0,
    right="C",
    multiplier="50",
    exchange="CME",
    currency="USD",
    local_symbol="ESZ6 C6500",
    trading_class="ES",
)
AAPL_PORTFOLIO = Contract(
    con_id=265598,
    symbol="AAPL",
    sec_type="STK",
    strike=0.0,
    right="0",
    primary_exchange="NASDAQ",
    currency="USD",
    local_symbol="AAPL",
    trading_class="NMS",
)

SAMPLES: list[Message] = [
    ReqPositions(),
    CancelPositions(),
    PositionData(account="DU1234567", contract=ES_OPTION, position=Decimal("-3"), avg_cost=12345.5),
    PositionData(
        account="DU1234567",
        contract=Contract(
            con_id=479624278,
            symbol="BTC",
            sec_type="CRYPTO",
            strike=0.0,
            currency="USD",
            local_symbol="BTC.USD",
            trading_class="BTC",
        ),
        position=Decimal("1.24115341"),
        avg_cost=37950.0114333,
    ),
    PositionEnd(),
    ReqAccountSummary(req_id=9001, group_name="All", tags="NetLiquidation,TotalCashValue,$LEDGER:ALL"),
    CancelAccountSummary(req_id=9001),
    AccountSummary(req_id=9001, account="DU1234567", tag="NetLiquidation", value="1057315.32", currency="USD"),
    AccountSummary(req_id=9001, account="DU1234567", tag="AccountType", value="Société\\Générale ✓ 𝄞"),
    AccountSummaryEnd(req_id=9001),
    ReqAcctData(subscribe=True, acct_code="DU1234567"),
    ReqAcctData(subscribe=False, acct_code="DU1234567"),
    AcctValue(key="CashBalance", value="-1234.56", currency="EUR", account_name="DU1234567"),
    AcctValue(key="AccountType", value="Zürich", currency="", account_name="DU1234567"),
    PortfolioValue(
        contract=AAPL_PORTFOLIO,
        position=Decimal("-100"),
        market_price=291.6234436,
        market_value=-29162.34,
        average_cost=291.2660812,
        unrealized_pnl=-35.74,
        realized_pnl=-71.44,
        account_name="DU1234567",
    ),
    PortfolioValue(contract=ES_OPTION, position=Decimal("0.5"), market_price=1.5, account_name="DU1"),
    AcctUpdateTime(time_stamp="14:34"),
    AcctDownloadEnd(account_name="DU1234567"),
    ReqPnl(req_id=17, account="DU1234567", model_code="MODEL1"),
    CancelPnl(req_id=17),
    Pnl(req_id=17, daily_pnl=11340.427636781911, unrealized_pnl=54385.58271885987, realized_pnl=-103.92738339177643),
    Pnl(req_id=18, daily_pnl=0.0),
    ReqPnlSingle(req_id=19, account="DU1234567", model_code="", con_id=265598),
    CancelPnlSingle(req_id=19),
    PnlSingle(
        req_id=19, position=Decimal("100.5"), daily_pnl=12.5, unrealized_pnl=100.0, realized_pnl=None, value=20200.0
    ),
    ReqPositionsMulti(req_id=20, account="DU1234567", model_code="MODEL1"),
    CancelPositionsMulti(req_id=20),
    PositionMulti(
        req_id=20, account="DU1234567", contract=ES_OPTION, position=Decimal("2"), avg_cost=1.25, model_code="MODEL1"
    ),
    PositionMultiEnd(req_id=20),
    ReqAccountUpdatesMulti(req_id=21, account="DU1234567", model_code="", ledger_and_nlv=True),
    CancelAccountUpdatesMulti(req_id=21),
    AccountUpdateMulti(req_id=21, account="DU1234567", model_code="", key="Currency", value="EUR", currency="EUR"),
    AccountUpdateMultiEnd(req_id=21),
]
