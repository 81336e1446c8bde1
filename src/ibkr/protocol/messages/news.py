"""News messages: IB bulletins, news providers, articles, historical headlines and news ticks.

Layouts follow the official client's ``client.py`` / ``decoder.py``; none changes between server
versions 176 and 200 (the options string of REQ_NEWS_ARTICLE / REQ_HISTORICAL_NEWS arrived with
SV.NEWS_QUERY_ORIGINS, 128). Messages with id >= 75 carry no version field.

The official client decodes NEWS_BULLETINS with Python's ``unicode-escape`` codec at sv >= 153
(tws-protocol.md 1.3); we keep the text as UTF-8, as TWS sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ibkr.protocol.fields import BOOL, INT, STR, F, Group, ListOf, Version
from ibkr.protocol.ids import SV, In, Out
from ibkr.protocol.message import ClientMessage, ServerMessage, register
from ibkr.protocol.models import TAG_VALUE_TEXT, TagValue

__all__ = [
    "ReqNewsBulletins",
    "CancelNewsBulletins",
    "NewsBulletins",
    "NewsProvider",
    "ReqNewsProviders",
    "NewsProviders",
    "ReqNewsArticle",
    "NewsArticle",
    "ReqHistoricalNews",
    "HistoricalNews",
    "HistoricalNewsEnd",
    "TickNews",
]


@register
@dataclass(slots=True)
class ReqNewsBulletins(ClientMessage):
    """REQ_NEWS_BULLETINS (12): ``all_msgs`` also replays today's earlier bulletins."""

    ID = Out.REQ_NEWS_BULLETINS
    LAYOUT = (F("_v", Version(1)), F("all_msgs", BOOL))

    all_msgs: bool = False


@register
@dataclass(slots=True)
class CancelNewsBulletins(ClientMessage):
    ID = Out.CANCEL_NEWS_BULLETINS
    LAYOUT = (F("_v", Version(1)),)


@register
@dataclass(slots=True)
class NewsBulletins(ServerMessage):
    """NEWS_BULLETINS (14). ``msg_type``: 1 regular bulletin, 2 exchange no longer available,
    3 exchange available again; ``news_message`` may span lines."""

    ID = In.NEWS_BULLETINS
    LAYOUT = (
        F("_v", Version(1)),
        F("msg_id", INT),
        F("msg_type", INT),
        F("news_message", STR),
        F("origin_exch", STR),
    )

    msg_id: int = 0
    msg_type: int = 0
    news_message: str = ""
    origin_exch: str = ""


@dataclass(slots=True)
class NewsProvider:
    code: str = ""
    name: str = ""


@register
@dataclass(slots=True)
class ReqNewsProviders(ClientMessage):
    """REQ_NEWS_PROVIDERS (85): the id alone, no fields."""

    ID = Out.REQ_NEWS_PROVIDERS
    SINCE = SV.REQ_NEWS_PROVIDERS


@register
@dataclass(slots=True)
class NewsProviders(ServerMessage):
    ID = In.NEWS_PROVIDERS
    LAYOUT = (F("providers", ListOf(Group(NewsProvider, (F("code", STR), F("name", STR))))),)

    providers: list[NewsProvider] = field(default_factory=list)


@register
@dataclass(slots=True)
class ReqNewsArticle(ClientMessage):
    ID = Out.REQ_NEWS_ARTICLE
    SINCE = SV.REQ_NEWS_ARTICLE
    LAYOUT = (
        F("req_id", INT),
        F("provider_code", STR),
        F("article_id", STR),
        F("news_article_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    provider_code: str = ""
    article_id: str = ""
    news_article_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class NewsArticle(ServerMessage):
    """NEWS_ARTICLE (83): ``article_type`` 0 is plain text (HTML entities such as ``&#10;``
    left as sent), 1 is a base64-encoded binary (PDF)."""

    ID = In.NEWS_ARTICLE
    LAYOUT = (F("req_id", INT), F("article_type", INT), F("article_text", STR))

    req_id: int = 0
    article_type: int = 0
    article_text: str = ""


@register
@dataclass(slots=True)
class ReqHistoricalNews(ClientMessage):
    """REQ_HISTORICAL_NEWS (86): ``provider_codes`` is ``+``-separated (``BRFG+DJNL``)."""

    ID = Out.REQ_HISTORICAL_NEWS
    SINCE = SV.REQ_HISTORICAL_NEWS
    LAYOUT = (
        F("req_id", INT),
        F("con_id", INT),
        F("provider_codes", STR),
        F("start_date_time", STR),
        F("end_date_time", STR),
        F("total_results", INT),
        F("historical_news_options", TAG_VALUE_TEXT),
    )

    req_id: int = 0
    con_id: int = 0
    provider_codes: str = ""
    start_date_time: str = ""
    end_date_time: str = ""
    total_results: int = 0
    historical_news_options: list[TagValue] = field(default_factory=list)


@register
@dataclass(slots=True)
class HistoricalNews(ServerMessage):
    """HISTORICAL_NEWS (86): one headline; ``time`` is TWS's text (``2026-04-14 14:58:42.0``)."""

    ID = In.HISTORICAL_NEWS
    LAYOUT = (
        F("req_id", INT),
        F("time", STR),
        F("provider_code", STR),
        F("article_id", STR),
        F("headline", STR),
    )

    req_id: int = 0
    time: str = ""
    provider_code: str = ""
    article_id: str = ""
    headline: str = ""


@register
@dataclass(slots=True)
class HistoricalNewsEnd(ServerMessage):
    ID = In.HISTORICAL_NEWS_END
    LAYOUT = (F("req_id", INT), F("has_more", BOOL))

    req_id: int = 0
    has_more: bool = False


@register
@dataclass(slots=True)
class TickNews(ServerMessage):
    """TICK_NEWS (84): a headline on a market-data subscription (generic tick 292);
    ``time_stamp`` is epoch milliseconds."""

    ID = In.TICK_NEWS
    LAYOUT = (
        F("ticker_id", INT),
        F("time_stamp", INT),
        F("provider_code", STR),
        F("article_id", STR),
        F("headline", STR),
        F("extra_data", STR),
    )

    ticker_id: int = 0
    time_stamp: int = 0
    provider_code: str = ""
    article_id: str = ""
    headline: str = ""
    extra_data: str = ""
