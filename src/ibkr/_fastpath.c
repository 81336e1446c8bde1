/*
 * ibkr._fastpath: the compiled hot path of the client's dispatch and of the data stream's L1
 * update (what ``IBKRClient.on_messages`` and ``SymbolState.on_l1`` do in Python, per message).
 *
 * dispatch(msgs, handlers, slot, sinks, batch_ns, other) is the client's dispatch loop: each
 * message goes to ``handlers[type(m)](slot, m)`` (``other(slot, m)`` when its type has no
 * handler), in order. A TICK_PRICE / TICK_SIZE whose request id is in ``sinks`` (the request ids
 * a data stream routes straight to a ``SymbolState``) is applied to that state here instead, with
 * exactly the effects of ``SymbolState.on_l1``: the snapshot's slots, the L1 ring's row and
 * counters, the update tuple in ``fresh``, the counters, the trade echo, ``stream._queue(state)``.
 *
 * The state is the same Python objects either way (slots read and written at the offsets of
 * their member descriptors, found by bind_l1): the two paths are interchangeable message by
 * message, and the test suite runs random message sequences through both and compares every
 * slot. Before changing anything, apply checks every type it relies on (the exact classes bound,
 * exact floats and ints where it computes, a ring row that fits); when one check fails it
 * changes nothing and the message takes the Python path (the handler), which gives the
 * Python answer or the Python error.
 *
 * A MARKET_DEPTH / MARKET_DEPTH_L2 row whose request id is in ``sinks`` is applied the same way,
 * with exactly the effects of ``SymbolState.on_depth`` (bind_depth): the book's level, the depth
 * ring's row and counters, the update tuple, the counters, ``stream._queue(state)``.
 *
 * step(coro) is coro.send(None) without the StopIteration of a coroutine that finishes (DONE is
 * returned instead): the data stream steps each async callback once inline. No I/O, no clock, no
 * logging here.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "_slots.h"


/* the bound classes and slot offsets (bind_l1); bound = 0 until then */
static struct {
    int bound;
    PyTypeObject *tick_price, *tick_size, *state, *snap, *ring; /* owned */
    PyObject *trade_tag, *quote_tag;                           /* owned */
    /* TickPrice, TickSize */
    Py_ssize_t p_req_id, p_tick_type, p_price, p_size, s_req_id, s_tick_type, s_size;
    /* SymbolState */
    Py_ssize_t updates, snap_, echo, n_quotes, n_trades, quote_ring, trade_ring, quote_consumers,
        trade_consumers, queued, stream, fresh, tuples, symbol, fresh_notional, fresh_volume;
    /* Snapshot */
    Py_ssize_t bid, ask, bid_size, ask_size, last, last_size, volume, open, high, low, close, vwap,
        updated_ns, trade_count, trade_volume, trade_notional;
    /* L1Ring */
    Py_ssize_t rows, off, end, total, trades;
    /* tick type -> action (see the A_ / Z_ codes), from symbol.py's tables */
    signed char price_action[256], size_action[256];
} B;

/* the depth classes and slot offsets (bind_depth, after bind_l1); bound = 0 until then */
static struct {
    int bound;
    PyTypeObject *depth, *depth_l2, *book, *level, *ring; /* owned */
    PyObject *depth_tag;                                  /* owned */
    /* MarketDepth, MarketDepthL2 */
    Py_ssize_t d_req_id, d_position, d_operation, d_side, d_price, d_size;
    Py_ssize_t l_req_id, l_position, l_operation, l_side, l_price, l_size, l_market_maker;
    /* SymbolState */
    Py_ssize_t book_, depth_ring, depth_consumers, n_depth;
    /* Book, Level */
    Py_ssize_t asks, bids, book_rows, lv_price, lv_size, lv_mm;
    /* DepthRing */
    Py_ssize_t r_price, r_size, r_meta, r_ts, r_pos, r_capacity, r_total;
} D;

/* Book's operations and sides (snapshot.py) */
enum { OP_INSERT = 0, OP_UPDATE = 1, OP_DELETE = 2 };
#define SIDE_BID 1
/* the most a position or side may be here (DepthRing packs them into one int64) */
#define DEPTH_FIELD_MAX 65535

/* TICK_PRICE actions */
enum { A_NONE = -1, A_BID = 0, A_ASK, A_LAST, A_HIGH, A_LOW, A_OPEN, A_CLOSE };
/* TICK_SIZE actions */
enum { Z_NONE = -1, Z_BID = 0, Z_ASK, Z_LAST, Z_VOLUME };

#define ROW_SIZE 41 /* struct "<bddddq" */
#define TRADE_ROW 1
#define QUOTE_ROW 2

static PyObject *nan_obj;   /* math.nan's value: what on_l1 stores as "no echo" */
static PyObject *one_obj;   /* 1 */
static PyObject *zero_obj;  /* 0.0 */
static PyObject *str_queue; /* "_queue" */
static PyObject *str_append;

/* --- slots -------------------------------------------------------------------------------- */

static inline void
set_slot(PyObject *obj, Py_ssize_t off, PyObject *v /* stolen, not NULL */)
{
    PyObject *old = SLOT(obj, off);
    SLOT(obj, off) = v;
    Py_XDECREF(old);
}

/* obj.<slot> += 1 for an exact int slot (checked by the caller) */
static int
incr(PyObject *obj, Py_ssize_t off)
{
    PyObject *v = PyNumber_Add(SLOT(obj, off), one_obj);
    if (v == NULL)
        return -1;
    set_slot(obj, off, v);
    return 0;
}

static int
set_float(PyObject *obj, Py_ssize_t off, double d)
{
    PyObject *v = PyFloat_FromDouble(d);
    if (v == NULL)
        return -1;
    set_slot(obj, off, v);
    return 0;
}

static inline int
is_opt_float(PyObject *v)
{
    return v == Py_None || PyFloat_CheckExact(v);
}

static inline double
opt_double(PyObject *v)
{
    return v == Py_None ? NAN : PyFloat_AS_DOUBLE(v);
}

static inline int
is_bool(PyObject *v)
{
    return v == Py_True || v == Py_False;
}

/* --- the L1 ring -------------------------------------------------------------------------- */

/* The ring can take a row: its slots have the types L1Ring keeps, and the row fits. */
static int
ring_ok(PyObject *ring)
{
    PyObject *rows = SLOT(ring, B.rows), *off = SLOT(ring, B.off), *end = SLOT(ring, B.end);
    PyObject *total = SLOT(ring, B.total), *trades = SLOT(ring, B.trades);
    Py_ssize_t o;
    if (rows == NULL || !PyByteArray_CheckExact(rows) || off == NULL || !PyLong_CheckExact(off) || end == NULL ||
        !PyLong_CheckExact(end) || total == NULL || !PyLong_CheckExact(total) || trades == NULL ||
        !PyLong_CheckExact(trades))
        return 0;
    o = PyLong_AsSsize_t(off);
    if (o == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return o >= 0 && o <= PyByteArray_GET_SIZE(rows) - ROW_SIZE;
}

static inline void
store_le(char *p, const void *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, v, n);
#else
    const unsigned char *s = (const unsigned char *)v;
    size_t i;
    uint16_t probe = 1;
    if (*(unsigned char *)&probe == 1)
        memcpy(p, v, n);
    else
        for (i = 0; i < n; i++)
            p[i] = (char)s[n - 1 - i];
#endif
}

/* L1Ring.append_trade / append_quote: one packed row, then _off, total (and trades) */
static int
ring_append(PyObject *ring, char kind, double a, double b, double c, double d, long long ts)
{
    char *p;
    Py_ssize_t off = PyLong_AsSsize_t(SLOT(ring, B.off));
    Py_ssize_t end = PyLong_AsSsize_t(SLOT(ring, B.end));
    PyObject *v;
    if ((off == -1 || end == -1) && PyErr_Occurred())
        return -1;
    p = PyByteArray_AS_STRING(SLOT(ring, B.rows)) + off;
    p[0] = kind;
    store_le(p + 1, &a, 8);
    store_le(p + 9, &b, 8);
    store_le(p + 17, &c, 8);
    store_le(p + 25, &d, 8);
    store_le(p + 33, &ts, 8);
    off += ROW_SIZE;
    if ((v = PyLong_FromSsize_t(off == end ? 0 : off)) == NULL)
        return -1;
    set_slot(ring, B.off, v);
    if (incr(ring, B.total) < 0)
        return -1;
    if (kind == TRADE_ROW && incr(ring, B.trades) < 0)
        return -1;
    return 0;
}

/* --- the update of one L1 message ------------------------------------------------------------ */

/* stream._queue(state) unless state.queued: may run a whole delivery step (callbacks) */
static int
queue_state(PyObject *state)
{
    PyObject *stream, *r;
    if (SLOT(state, B.queued) == Py_True)
        return 0;
    stream = SLOT(state, B.stream);
    if (stream == NULL) {
        PyErr_SetString(PyExc_AttributeError, "'SymbolState' object has no attribute 'stream'");
        return -1;
    }
    Py_INCREF(stream);
    r = PyObject_CallMethodOneArg(stream, str_queue, state);
    Py_DECREF(stream);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* state.fresh.append(tuple(items)) */
static int
append_fresh(PyObject *state, PyObject **items, Py_ssize_t n)
{
    PyObject *fresh = SLOT(state, B.fresh), *t, *r;
    int rc;
    if (fresh == NULL) {
        PyErr_SetString(PyExc_AttributeError, "'SymbolState' object has no attribute 'fresh'");
        return -1;
    }
    if ((t = PyTuple_New(n)) == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (items[i] == NULL) {
            Py_DECREF(t);
            PyErr_SetString(PyExc_AttributeError, "'SymbolState' object has no attribute 'symbol'");
            return -1;
        }
        PyTuple_SET_ITEM(t, i, Py_NewRef(items[i]));
    }
    if (PyList_CheckExact(fresh)) {
        rc = PyList_Append(fresh, t);
    } else {
        Py_INCREF(fresh);
        r = PyObject_CallMethodOneArg(fresh, str_append, t);
        Py_DECREF(fresh);
        rc = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    Py_DECREF(t);
    return rc;
}

/* state.fresh_<x> += v (after _queue ran Python: generic arithmetic) */
static int
add_to(PyObject *state, Py_ssize_t off, PyObject *v)
{
    PyObject *old = SLOT(state, off), *sum;
    if (old == NULL) {
        PyErr_SetString(PyExc_AttributeError, "'SymbolState' object has no fresh total");
        return -1;
    }
    if ((sum = PyNumber_InPlaceAdd(old, v)) == NULL)
        return -1;
    set_slot(state, off, sum);
    return 0;
}

/* SymbolState.trade(price, size) (with Snapshot.add_trade and L1Ring.append_trade) */
static int
trade(PyObject *state, PyObject *snap, PyObject *price, PyObject *size, PyObject *batch_ns, long long now)
{
    double p = PyFloat_AS_DOUBLE(price), s = PyFloat_AS_DOUBLE(size);
    PyObject *ring = SLOT(state, B.trade_ring);
    set_slot(snap, B.last, Py_NewRef(price));
    set_slot(snap, B.last_size, Py_NewRef(size));
    if (s > 0) {
        double volume = PyFloat_AS_DOUBLE(SLOT(snap, B.trade_volume)) + s;
        double notional = PyFloat_AS_DOUBLE(SLOT(snap, B.trade_notional)) + p * s;
        if (incr(snap, B.trade_count) < 0 || set_float(snap, B.trade_volume, volume) < 0 ||
            set_float(snap, B.trade_notional, notional) < 0 || set_float(snap, B.vwap, notional / volume) < 0)
            return -1;
    }
    if (incr(state, B.n_trades) < 0)
        return -1;
    if (ring != Py_None && ring_append(ring, TRADE_ROW, p, s, NAN, NAN, now) < 0)
        return -1;
    if (SLOT(state, B.trade_consumers) == Py_True) {
        PyObject *items[5], *notional;
        int rc;
        Py_INCREF(price);
        Py_INCREF(size);
        rc = queue_state(state);
        if (rc == 0 && (notional = PyFloat_FromDouble(p * s)) != NULL) {
            rc = add_to(state, B.fresh_notional, notional);
            Py_DECREF(notional);
            if (rc == 0)
                rc = add_to(state, B.fresh_volume, size);
            if (rc == 0) {
                items[0] = B.trade_tag;
                items[1] = SLOT(state, B.symbol);
                items[2] = price;
                items[3] = size;
                items[4] = batch_ns;
                rc = append_fresh(state, items, 5);
            }
        } else if (rc == 0) {
            rc = -1;
        }
        Py_DECREF(price);
        Py_DECREF(size);
        return rc;
    }
    return 0;
}

/* the top of book changed: a quote (the tail of on_l1) */
static int
quote(PyObject *state, PyObject *snap, PyObject *batch_ns, long long now)
{
    PyObject *bid = SLOT(snap, B.bid), *ask = SLOT(snap, B.ask);
    PyObject *bid_size = SLOT(snap, B.bid_size), *ask_size = SLOT(snap, B.ask_size);
    PyObject *ring = SLOT(state, B.quote_ring);
    PyObject *items[7];
    int rc;
    set_slot(state, B.echo, Py_NewRef(nan_obj));
    if (incr(state, B.n_quotes) < 0)
        return -1;
    if (ring != Py_None &&
        ring_append(ring, QUOTE_ROW, opt_double(bid), opt_double(ask), opt_double(bid_size), opt_double(ask_size), now) <
            0)
        return -1;
    if (SLOT(state, B.quote_consumers) != Py_True)
        return 0;
    items[2] = Py_NewRef(bid);
    items[3] = Py_NewRef(ask);
    items[4] = Py_NewRef(bid_size);
    items[5] = Py_NewRef(ask_size);
    rc = queue_state(state);
    if (rc == 0) {
        items[0] = B.quote_tag;
        items[1] = SLOT(state, B.symbol);
        items[6] = batch_ns;
        rc = append_fresh(state, items, 7);
    }
    Py_DECREF(items[2]);
    Py_DECREF(items[3]);
    Py_DECREF(items[4]);
    Py_DECREF(items[5]);
    return rc;
}

/* The state's slots have what on_l1 relies on (every path, whatever the message). */
static int
state_ok(PyObject *state, PyObject *snap)
{
    PyObject *v;
    if (Py_TYPE(snap) != B.snap || SLOT(state, B.tuples) != Py_True)
        return 0;
    if ((v = SLOT(state, B.updates)) == NULL || !PyLong_CheckExact(v) || (v = SLOT(state, B.echo)) == NULL ||
        !PyFloat_CheckExact(v) || (v = SLOT(state, B.n_quotes)) == NULL || !PyLong_CheckExact(v) ||
        (v = SLOT(state, B.n_trades)) == NULL || !PyLong_CheckExact(v) || (v = SLOT(state, B.queued)) == NULL ||
        !is_bool(v) || (v = SLOT(state, B.quote_consumers)) == NULL || !is_bool(v) ||
        (v = SLOT(state, B.trade_consumers)) == NULL || !is_bool(v))
        return 0;
    if ((v = SLOT(state, B.quote_ring)) == NULL || (v != Py_None && (Py_TYPE(v) != B.ring || !ring_ok(v))))
        return 0;
    /* trades and quotes share one ring (checked once) */
    if ((v = SLOT(state, B.trade_ring)) == NULL ||
        (v != Py_None && v != SLOT(state, B.quote_ring) && (Py_TYPE(v) != B.ring || !ring_ok(v))))
        return 0;
    if ((v = SLOT(snap, B.bid)) == NULL || !is_opt_float(v) || (v = SLOT(snap, B.ask)) == NULL || !is_opt_float(v) ||
        (v = SLOT(snap, B.bid_size)) == NULL || !is_opt_float(v) || (v = SLOT(snap, B.ask_size)) == NULL ||
        !is_opt_float(v) || (v = SLOT(snap, B.last)) == NULL || !is_opt_float(v) ||
        (v = SLOT(snap, B.trade_count)) == NULL || !PyLong_CheckExact(v) || (v = SLOT(snap, B.trade_volume)) == NULL ||
        !PyFloat_CheckExact(v) || (v = SLOT(snap, B.trade_notional)) == NULL || !PyFloat_CheckExact(v))
        return 0;
    return 1;
}

/* on_l1(m) for a TickPrice / TickSize: 1 applied, 0 declined (nothing changed), -1 error set */
static int
apply_l1(PyObject *state, PyObject *m, PyObject *batch_ns, long long now)
{
    PyObject *snap, *tt_obj, *price = NULL, *size;
    long tt;
    int price_msg, action;
    if (!B.bound || Py_TYPE(state) != B.state)
        return 0;
    if (Py_TYPE(m) == B.tick_price) {
        price_msg = 1;
        tt_obj = SLOT(m, B.p_tick_type);
        price = SLOT(m, B.p_price);
        size = SLOT(m, B.p_size);
        if (price == NULL || !PyFloat_CheckExact(price))
            return 0;
    } else if (Py_TYPE(m) == B.tick_size) {
        price_msg = 0;
        tt_obj = SLOT(m, B.s_tick_type);
        size = SLOT(m, B.s_size);
    } else {
        return 0;
    }
    if (tt_obj == NULL || !PyLong_CheckExact(tt_obj) || size == NULL || !is_opt_float(size))
        return 0;
    snap = SLOT(state, B.snap_);
    if (snap == NULL || !state_ok(state, snap))
        return 0;
    tt = PyLong_AsLong(tt_obj);
    if (tt == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    action = tt >= 0 && tt < 256 ? (price_msg ? B.price_action[tt] : B.size_action[tt]) : -1;

    /* every message: counted, and the snapshot's time */
    if (incr(state, B.updates) < 0)
        return -1;
    set_slot(snap, B.updated_ns, Py_NewRef(batch_ns));
    Py_INCREF(snap);
    Py_INCREF(m);
    {
        int rc = 0;
        if (price_msg) {
            double p = PyFloat_AS_DOUBLE(price);
            switch (action) {
            case A_BID:
            case A_ASK:
                set_slot(snap, action == A_BID ? B.bid : B.ask, Py_NewRef(p == -1.0 ? Py_None : price));
                if (size != Py_None)
                    set_slot(snap, action == A_BID ? B.bid_size : B.ask_size, Py_NewRef(size));
                rc = quote(state, snap, batch_ns, now);
                break;
            case A_LAST:
                if (p == -1.0) {
                    set_slot(snap, B.last, Py_NewRef(Py_None));
                    break; /* the echo marker stays */
                }
                {
                    PyObject *s = size != Py_None && PyFloat_AS_DOUBLE(size) != 0.0 ? size : zero_obj;
                    Py_INCREF(s);
                    rc = trade(state, snap, price, s, batch_ns, now);
                    if (rc == 0)
                        set_slot(state, B.echo, s);
                    else
                        Py_DECREF(s);
                }
                break;
            case A_HIGH:
            case A_LOW:
            case A_OPEN:
            case A_CLOSE:
                set_slot(snap,
                         action == A_HIGH  ? B.high
                         : action == A_LOW ? B.low
                         : action == A_OPEN ? B.open
                                            : B.close,
                         Py_NewRef(price));
                /* fall through */
            default:
                set_slot(state, B.echo, Py_NewRef(nan_obj));
            }
        } else {
            switch (action) {
            case Z_BID:
            case Z_ASK:
                set_slot(snap, action == Z_BID ? B.bid_size : B.ask_size, Py_NewRef(size));
                rc = quote(state, snap, batch_ns, now);
                break;
            case Z_LAST: {
                PyObject *last = SLOT(snap, B.last);
                if (size != Py_None && last != Py_None &&
                    PyFloat_AS_DOUBLE(SLOT(state, B.echo)) != PyFloat_AS_DOUBLE(size)) {
                    Py_INCREF(last);
                    rc = trade(state, snap, last, size, batch_ns, now);
                    Py_DECREF(last);
                }
                if (rc == 0)
                    set_slot(state, B.echo, Py_NewRef(nan_obj));
                break;
            }
            case Z_VOLUME:
                set_slot(snap, B.volume, Py_NewRef(size));
                /* fall through */
            default:
                set_slot(state, B.echo, Py_NewRef(nan_obj));
            }
        }
        Py_DECREF(m);
        Py_DECREF(snap);
        return rc < 0 ? -1 : 1;
    }
}

/* --- the update of one depth row ------------------------------------------------------------ */

/* a small non-negative exact int (a position, side or operation), or -1 */
static long
small_int(PyObject *v)
{
    long x;
    if (v == NULL || !PyLong_CheckExact(v))
        return -1;
    x = PyLong_AsLong(v);
    if (x == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return x >= 0 && x <= DEPTH_FIELD_MAX ? x : -1;
}

/* one writable column of a DepthRing: an array of ``format`` holding exactly ``capacity`` items */
static int
column(PyObject *arr, const char *format, Py_ssize_t capacity, Py_buffer *view)
{
    if (arr == NULL || PyObject_GetBuffer(arr, view, PyBUF_WRITABLE | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, format) != 0 ||
        view->len != capacity * 8) {
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

/* The state can take a row: the types on_depth relies on. *ring is the depth ring or NULL. */
static int
depth_state_ok(PyObject *state, PyObject **ring, Py_ssize_t *pos, Py_ssize_t *capacity, long *rows)
{
    PyObject *v, *book = SLOT(state, D.book_);
    if (SLOT(state, B.tuples) != Py_True || book == NULL || Py_TYPE(book) != D.book)
        return 0;
    if ((v = SLOT(book, D.asks)) == NULL || !PyList_CheckExact(v) || (v = SLOT(book, D.bids)) == NULL ||
        !PyList_CheckExact(v) || (v = SLOT(book, D.book_rows)) == NULL || !PyLong_CheckExact(v))
        return 0;
    if ((*rows = PyLong_AsLong(v)) == -1 && PyErr_Occurred()) { /* rows beyond a long: Python's */
        PyErr_Clear();
        return 0;
    }
    if ((v = SLOT(state, B.updates)) == NULL || !PyLong_CheckExact(v) || (v = SLOT(state, D.n_depth)) == NULL ||
        !PyLong_CheckExact(v) || (v = SLOT(state, D.depth_consumers)) == NULL || !is_bool(v) ||
        (v = SLOT(state, B.queued)) == NULL || !is_bool(v))
        return 0;
    v = SLOT(state, D.depth_ring);
    if (v == NULL)
        return 0;
    if (v == Py_None) {
        *ring = NULL;
        return 1;
    }
    if (Py_TYPE(v) != D.ring)
        return 0;
    {
        PyObject *p = SLOT(v, D.r_pos), *c = SLOT(v, D.r_capacity), *t = SLOT(v, D.r_total);
        if (p == NULL || !PyLong_CheckExact(p) || c == NULL || !PyLong_CheckExact(c) || t == NULL ||
            !PyLong_CheckExact(t))
            return 0;
        *pos = PyLong_AsSsize_t(p);
        *capacity = PyLong_AsSsize_t(c);
        if ((*pos == -1 || *capacity == -1) && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (*capacity < 1 || *pos < 0 || *pos >= *capacity)
            return 0;
    }
    *ring = v;
    return 1;
}

/* Book.apply(position, operation, side, price, size, mm) for a checked row */
static int
book_apply(PyObject *book, long rows, long position, long operation, long side, PyObject *price, PyObject *size,
           PyObject *mm)
{
    PyObject *levels = SLOT(book, side == SIDE_BID ? D.bids : D.asks), *lv, *args[3];
    Py_ssize_t n = PyList_GET_SIZE(levels);
    int rc;
    args[0] = price, args[1] = size, args[2] = mm;
    if (operation == OP_UPDATE && position < n) {
        lv = PyList_GET_ITEM(levels, position);
        set_slot(lv, D.lv_price, Py_NewRef(price));
        set_slot(lv, D.lv_size, Py_NewRef(size));
        set_slot(lv, D.lv_mm, Py_NewRef(mm));
        return 0;
    }
    if (operation == OP_DELETE)
        return position < n ? PyList_SetSlice(levels, position, position + 1, NULL) : 0;
    if ((lv = PyObject_Vectorcall((PyObject *)D.level, args, 3, NULL)) == NULL)
        return -1;
    if (operation == OP_UPDATE) {
        rc = PyList_Append(levels, lv);
    } else {
        rc = PyList_Insert(levels, position, lv);
        /* a book over its rows drops its last level (levels.pop()) */
        if (rc == 0 && PyList_GET_SIZE(levels) > rows)
            rc = PyList_SetSlice(levels, PyList_GET_SIZE(levels) - 1, PyList_GET_SIZE(levels), NULL);
    }
    Py_DECREF(lv);
    return rc;
}

/* on_depth(m) for a MarketDepth / MarketDepthL2: 1 applied, 0 declined (nothing changed), -1 error */
static int
apply_depth(PyObject *state, PyObject *m, PyObject *batch_ns, long long now)
{
    PyObject *price, *size, *mm, *ring = NULL, *book, *pos_o, *op_o, *side_o;
    long position, operation, side, rows = 0;
    Py_ssize_t ring_pos = 0, capacity = 0;
    Py_buffer cols[4];
    int rc = 0;
    if (!D.bound || Py_TYPE(state) != B.state)
        return 0;
    if (Py_TYPE(m) == D.depth) {
        pos_o = SLOT(m, D.d_position), op_o = SLOT(m, D.d_operation), side_o = SLOT(m, D.d_side);
        price = SLOT(m, D.d_price);
        size = SLOT(m, D.d_size);
        mm = PyUnicode_New(0, 0); /* "" */
        if (mm == NULL)
            return -1;
    } else if (Py_TYPE(m) == D.depth_l2) {
        pos_o = SLOT(m, D.l_position), op_o = SLOT(m, D.l_operation), side_o = SLOT(m, D.l_side);
        price = SLOT(m, D.l_price);
        size = SLOT(m, D.l_size);
        mm = SLOT(m, D.l_market_maker);
        if (mm == NULL)
            return 0;
        Py_INCREF(mm);
    } else {
        return 0;
    }
    position = small_int(pos_o), operation = small_int(op_o), side = small_int(side_o);
    /* unusual rows (and types) take the Python path, which gives the Python answer or error */
    if (position < 0 || operation < 0 || operation > OP_DELETE || side < 0 || price == NULL ||
        !PyFloat_CheckExact(price) || size == NULL || !is_opt_float(size) ||
        !depth_state_ok(state, &ring, &ring_pos, &capacity, &rows)) {
        Py_DECREF(mm);
        return 0;
    }
    if (operation == OP_UPDATE) { /* a level updated in place must be a Level */
        PyObject *levels = SLOT(SLOT(state, D.book_), side == SIDE_BID ? D.bids : D.asks);
        if (position < PyList_GET_SIZE(levels) && Py_TYPE(PyList_GET_ITEM(levels, position)) != D.level) {
            Py_DECREF(mm);
            return 0;
        }
    }
    if (ring != NULL) {
        int k;
        static const char *formats[4] = {"d", "d", "q", "q"};
        Py_ssize_t offs[4] = {D.r_price, D.r_size, D.r_meta, D.r_ts};
        for (k = 0; k < 4; k++)
            if (!column(SLOT(ring, offs[k]), formats[k], capacity, &cols[k])) {
                while (k--)
                    PyBuffer_Release(&cols[k]);
                Py_DECREF(mm);
                return 0;
            }
    }
    /* size = m.size or 0.0 */
    size = size == Py_None || PyFloat_AS_DOUBLE(size) == 0.0 ? zero_obj : size;
    Py_INCREF(size);
    Py_INCREF(price);
    Py_INCREF(m);
    Py_INCREF(state);
    Py_INCREF(pos_o);
    Py_INCREF(op_o);
    Py_INCREF(side_o);
    if (incr(state, B.updates) < 0 || incr(state, D.n_depth) < 0)
        goto error;
    book = SLOT(state, D.book_);
    Py_INCREF(book);
    rc = book_apply(book, rows, position, operation, side, price, size, mm);
    Py_DECREF(book);
    if (rc < 0)
        goto error;
    if (ring != NULL) {
        double pd = PyFloat_AS_DOUBLE(price), sd = PyFloat_AS_DOUBLE(size);
        long long meta = ((long long)position << 16) | ((long long)operation << 8) | (long long)side;
        PyObject *v;
        ((double *)cols[0].buf)[ring_pos] = pd;
        ((double *)cols[1].buf)[ring_pos] = sd;
        ((long long *)cols[2].buf)[ring_pos] = meta;
        ((long long *)cols[3].buf)[ring_pos] = now;
        for (int k = 0; k < 4; k++)
            PyBuffer_Release(&cols[k]);
        ring_pos += 1;
        if ((v = PyLong_FromSsize_t(ring_pos == capacity ? 0 : ring_pos)) == NULL)
            goto error_released;
        set_slot(ring, D.r_pos, v);
        if (incr(ring, D.r_total) < 0)
            goto error_released;
        ring = NULL;
    }
    if (SLOT(state, D.depth_consumers) == Py_True) {
        PyObject *items[9];
        if (queue_state(state) < 0)
            goto error_released;
        items[0] = D.depth_tag, items[1] = SLOT(state, B.symbol), items[2] = pos_o, items[3] = op_o;
        items[4] = side_o, items[5] = price, items[6] = size, items[7] = mm, items[8] = batch_ns;
        if (append_fresh(state, items, 9) < 0)
            goto error_released;
    }
    rc = 1;
    goto done;
error:
    if (ring != NULL)
        for (int k = 0; k < 4; k++)
            PyBuffer_Release(&cols[k]);
error_released:
    rc = -1;
done:
    Py_DECREF(pos_o);
    Py_DECREF(op_o);
    Py_DECREF(side_o);
    Py_DECREF(state);
    Py_DECREF(m);
    Py_DECREF(price);
    Py_DECREF(size);
    Py_DECREF(mm);
    return rc;
}

/* --- module functions ---------------------------------------------------------------------- */

static PyObject *done_obj; /* DONE: what step() returns for a coroutine that finished */

PyDoc_STRVAR(step_doc, "step(coro, /) -> object\n\n"
                       "coro.send(None) without the StopIteration: DONE when the coroutine finished (its result\n"
                       "dropped), else what it yielded; an exception it raised propagates.");

static PyObject *
fp_step(PyObject *module, PyObject *coro)
{
    PyObject *result;
    PySendResult r = PyIter_Send(coro, Py_None, &result);
    if (r == PYGEN_ERROR)
        return NULL;
    if (r == PYGEN_RETURN) {
        Py_DECREF(result);
        return Py_NewRef(done_obj);
    }
    return result;
}

static int
batch_time(PyObject *batch_ns, long long *now)
{
    if (!PyLong_CheckExact(batch_ns)) {
        PyErr_SetString(PyExc_TypeError, "batch_ns must be an int");
        return -1;
    }
    *now = PyLong_AsLongLong(batch_ns);
    return *now == -1 && PyErr_Occurred() ? -1 : 0;
}

typedef int (*apply_fn)(PyObject *state, PyObject *m, PyObject *batch_ns, long long now);

/* the state sinks[req] (when req is an exact int there) takes m: 1 applied, 0 not (the handler
 * takes it), -1 error set */
static int
route_to(PyObject *sinks, PyObject *req, apply_fn apply, PyObject *m, PyObject *batch_ns, long long now)
{
    PyObject *state;
    int rc;
    if (req == NULL || !PyLong_CheckExact(req))
        return 0;
    if ((state = PyDict_GetItemWithError(sinks, req)) == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(state);
    rc = apply(state, m, batch_ns, now);
    Py_DECREF(state);
    return rc;
}

PyDoc_STRVAR(dispatch_doc, "dispatch(msgs, handlers, slot, sinks, batch_ns, other, /) -> None\n\n"
                           "The client's dispatch loop (see the module's header).");

static PyObject *
fp_dispatch(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *seq, *handlers, *slot, *sinks, *batch_ns, *other;
    long long now;
    Py_ssize_t i;
    int route, depth;
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "dispatch() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    handlers = args[1];
    slot = args[2];
    sinks = args[3];
    batch_ns = args[4];
    other = args[5];
    if (!PyDict_Check(handlers) || !PyDict_Check(sinks)) {
        PyErr_SetString(PyExc_TypeError, "dispatch(): handlers and sinks must be dicts");
        return NULL;
    }
    if (batch_time(batch_ns, &now) < 0)
        return NULL;
    if ((seq = PySequence_Fast(args[0], "dispatch(): msgs must be a sequence")) == NULL)
        return NULL;
    route = B.bound && PyDict_GET_SIZE(sinks) > 0;
    depth = route && D.bound;
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *m = PySequence_Fast_GET_ITEM(seq, i), *h, *r, *callargs[2];
        PyTypeObject *tp = Py_TYPE(m);
        Py_INCREF(m);
        if (route) {
            int rc = 0;
            if (tp == B.tick_price || tp == B.tick_size)
                rc = route_to(sinks, SLOT(m, tp == B.tick_price ? B.p_req_id : B.s_req_id), apply_l1, m, batch_ns, now);
            else if (depth && (tp == D.depth || tp == D.depth_l2))
                rc = route_to(sinks, SLOT(m, tp == D.depth ? D.d_req_id : D.l_req_id), apply_depth, m, batch_ns, now);
            if (rc < 0)
                goto error;
            if (rc > 0) {
                Py_DECREF(m);
                continue;
            }
        }
        h = PyDict_GetItemWithError(handlers, (PyObject *)tp);
        if (h == NULL && PyErr_Occurred())
            goto error;
        callargs[0] = slot;
        callargs[1] = m;
        h = h != NULL ? h : other;
        Py_INCREF(h);
        r = PyObject_Vectorcall(h, callargs, 2, NULL);
        Py_DECREF(h);
        if (r == NULL)
            goto error;
        Py_DECREF(r);
        Py_DECREF(m);
        continue;
    error:
        Py_DECREF(m);
        Py_DECREF(seq);
        return NULL;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(apply_doc, "apply_l1(state, m, batch_ns, /) -> bool\n\n"
                        "SymbolState.on_l1(m) for a TickPrice / TickSize with the read's time batch_ns; False when it\n"
                        "declined (nothing changed: the Python path takes the message).");

/* apply_l1 / apply_depth from Python: (state, m, batch_ns) -> bool */
static PyObject *
apply_from_python(apply_fn apply, const char *name, PyObject *const *args, Py_ssize_t nargs)
{
    long long now;
    int rc;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "%s() takes 3 arguments (%zd given)", name, nargs);
        return NULL;
    }
    if (batch_time(args[2], &now) < 0)
        return NULL;
    rc = apply(args[0], args[1], args[2], now);
    if (rc < 0)
        return NULL;
    return PyBool_FromLong(rc);
}

static PyObject *
fp_apply_l1(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return apply_from_python(apply_l1, "apply_l1", args, nargs);
}

PyDoc_STRVAR(apply_depth_doc, "apply_depth(state, m, batch_ns, /) -> bool\n\n"
                              "SymbolState.on_depth(m) for a MarketDepth / MarketDepthL2 with the read's time batch_ns;\n"
                              "False when it declined (nothing changed: the Python path takes the row).");

static PyObject *
fp_apply_depth(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return apply_from_python(apply_depth, "apply_depth", args, nargs);
}

static int
plain_type(PyObject *o, const char *what)
{
    PyTypeObject *tp;
    if (!PyType_Check(o)) {
        PyErr_Format(PyExc_TypeError, "bind_l1(): %s must be a class", what);
        return -1;
    }
    tp = (PyTypeObject *)o;
    if (tp->tp_getattro != PyObject_GenericGetAttr || tp->tp_setattro != PyObject_GenericSetAttr) {
        PyErr_Format(PyExc_TypeError, "bind_l1(): %s has its own attribute access", what);
        return -1;
    }
    return 0;
}

static int
fill_actions(PyObject *table, signed char *out, int limit)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    memset(out, -1, 256);
    if (!PyDict_Check(table)) {
        PyErr_SetString(PyExc_TypeError, "bind_l1(): the action tables must be dicts");
        return -1;
    }
    while (PyDict_Next(table, &pos, &k, &v)) {
        long t = PyLong_AsLong(k), a = PyLong_AsLong(v);
        if ((t == -1 || a == -1) && PyErr_Occurred())
            return -1;
        if (t < 0 || t > 255 || a < 0 || a >= limit) {
            PyErr_Format(PyExc_ValueError, "bind_l1(): bad action %ld for tick type %ld", a, t);
            return -1;
        }
        out[t] = (signed char)a;
    }
    return 0;
}

PyDoc_STRVAR(bind_doc,
             "bind_l1(tick_price, tick_size, state, snapshot, ring, trade_tag, quote_tag, price_actions,\n"
             "        size_actions, /) -> None\n\n"
             "The classes apply_l1 works on (their slot offsets are looked up now) and the tick type\n"
             "tables: TICK_PRICE type -> 0 bid, 1 ask, 2 last, 3 high, 4 low, 5 open, 6 close;\n"
             "TICK_SIZE type -> 0 bid size, 1 ask size, 2 last size, 3 volume.");

#define OFF(field, tp, name)                                                                                 \
    if ((B.field = slot_of((PyTypeObject *)(tp), name)) < 0)                                                 \
        goto fail;

static PyObject *
fp_bind_l1(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *what[] = {"tick_price", "tick_size", "state", "snapshot", "ring"};
    PyObject *tp, *ts, *st, *sn, *rg;
    int i;
    if (nargs != 9) {
        PyErr_Format(PyExc_TypeError, "bind_l1() takes 9 arguments (%zd given)", nargs);
        return NULL;
    }
    for (i = 0; i < 5; i++)
        if (plain_type(args[i], what[i]) < 0)
            return NULL;
    tp = args[0], ts = args[1], st = args[2], sn = args[3], rg = args[4];
    B.bound = 0;
    OFF(p_req_id, tp, "req_id") OFF(p_tick_type, tp, "tick_type") OFF(p_price, tp, "price") OFF(p_size, tp, "size");
    OFF(s_req_id, ts, "req_id") OFF(s_tick_type, ts, "tick_type") OFF(s_size, ts, "size");
    OFF(updates, st, "updates") OFF(snap_, st, "snap") OFF(echo, st, "echo") OFF(n_quotes, st, "n_quotes");
    OFF(n_trades, st, "n_trades") OFF(quote_ring, st, "quote_ring") OFF(trade_ring, st, "trade_ring");
    OFF(quote_consumers, st, "quote_consumers") OFF(trade_consumers, st, "trade_consumers");
    OFF(queued, st, "queued") OFF(stream, st, "stream") OFF(fresh, st, "fresh") OFF(tuples, st, "tuples");
    OFF(symbol, st, "symbol") OFF(fresh_notional, st, "fresh_notional") OFF(fresh_volume, st, "fresh_volume");
    OFF(bid, sn, "bid") OFF(ask, sn, "ask") OFF(bid_size, sn, "bid_size") OFF(ask_size, sn, "ask_size");
    OFF(last, sn, "last") OFF(last_size, sn, "last_size") OFF(volume, sn, "volume") OFF(open, sn, "open");
    OFF(high, sn, "high") OFF(low, sn, "low") OFF(close, sn, "close") OFF(vwap, sn, "vwap");
    OFF(updated_ns, sn, "updated_ns") OFF(trade_count, sn, "trade_count");
    OFF(trade_volume, sn, "trade_volume") OFF(trade_notional, sn, "trade_notional");
    OFF(rows, rg, "_rows") OFF(off, rg, "_off") OFF(end, rg, "_end") OFF(total, rg, "total");
    OFF(trades, rg, "trades");
    if (fill_actions(args[7], B.price_action, A_CLOSE + 1) < 0 || fill_actions(args[8], B.size_action, Z_VOLUME + 1) < 0)
        goto fail;
    Py_XSETREF(B.tick_price, (PyTypeObject *)Py_NewRef(tp));
    Py_XSETREF(B.tick_size, (PyTypeObject *)Py_NewRef(ts));
    Py_XSETREF(B.state, (PyTypeObject *)Py_NewRef(st));
    Py_XSETREF(B.snap, (PyTypeObject *)Py_NewRef(sn));
    Py_XSETREF(B.ring, (PyTypeObject *)Py_NewRef(rg));
    Py_XSETREF(B.trade_tag, Py_NewRef(args[5]));
    Py_XSETREF(B.quote_tag, Py_NewRef(args[6]));
    B.bound = 1;
    Py_RETURN_NONE;
fail:
    return NULL;
}

PyDoc_STRVAR(bind_depth_doc, "bind_depth(market_depth, market_depth_l2, book, level, ring, depth_tag, /) -> None\n\n"
                             "The classes apply_depth works on, with SymbolState as bound by bind_l1 (call that first).");

#define DOFF(field, tp, name)                                                                                \
    if ((D.field = slot_of((PyTypeObject *)(tp), name)) < 0)                                                 \
        return NULL;

static PyObject *
fp_bind_depth(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *what[] = {"market_depth", "market_depth_l2", "book", "level", "ring"};
    PyObject *md, *l2, *bk, *lv, *rg, *st;
    int i;
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "bind_depth() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!B.bound) {
        PyErr_SetString(PyExc_RuntimeError, "bind_depth(): bind_l1 first (the state class)");
        return NULL;
    }
    for (i = 0; i < 5; i++)
        if (plain_type(args[i], what[i]) < 0)
            return NULL;
    md = args[0], l2 = args[1], bk = args[2], lv = args[3], rg = args[4], st = (PyObject *)B.state;
    D.bound = 0;
    DOFF(d_req_id, md, "req_id") DOFF(d_position, md, "position") DOFF(d_operation, md, "operation");
    DOFF(d_side, md, "side") DOFF(d_price, md, "price") DOFF(d_size, md, "size");
    DOFF(l_req_id, l2, "req_id") DOFF(l_position, l2, "position") DOFF(l_operation, l2, "operation");
    DOFF(l_side, l2, "side") DOFF(l_price, l2, "price") DOFF(l_size, l2, "size");
    DOFF(l_market_maker, l2, "market_maker");
    DOFF(book_, st, "book") DOFF(depth_ring, st, "depth_ring") DOFF(depth_consumers, st, "depth_consumers");
    DOFF(n_depth, st, "n_depth");
    DOFF(asks, bk, "asks") DOFF(bids, bk, "bids") DOFF(book_rows, bk, "rows");
    DOFF(lv_price, lv, "price") DOFF(lv_size, lv, "size") DOFF(lv_mm, lv, "market_maker");
    DOFF(r_price, rg, "_price") DOFF(r_size, rg, "_size") DOFF(r_meta, rg, "_meta") DOFF(r_ts, rg, "_ts");
    DOFF(r_pos, rg, "_pos") DOFF(r_capacity, rg, "capacity") DOFF(r_total, rg, "total");
    Py_XSETREF(D.depth, (PyTypeObject *)Py_NewRef(md));
    Py_XSETREF(D.depth_l2, (PyTypeObject *)Py_NewRef(l2));
    Py_XSETREF(D.book, (PyTypeObject *)Py_NewRef(bk));
    Py_XSETREF(D.level, (PyTypeObject *)Py_NewRef(lv));
    Py_XSETREF(D.ring, (PyTypeObject *)Py_NewRef(rg));
    Py_XSETREF(D.depth_tag, Py_NewRef(args[5]));
    D.bound = 1;
    Py_RETURN_NONE;
}

static PyMethodDef fp_methods[] = {
    {"dispatch", (PyCFunction)(void (*)(void))fp_dispatch, METH_FASTCALL, dispatch_doc},
    {"apply_l1", (PyCFunction)(void (*)(void))fp_apply_l1, METH_FASTCALL, apply_doc},
    {"step", (PyCFunction)fp_step, METH_O, step_doc},
    {"bind_l1", (PyCFunction)(void (*)(void))fp_bind_l1, METH_FASTCALL, bind_doc},
    {"apply_depth", (PyCFunction)(void (*)(void))fp_apply_depth, METH_FASTCALL, apply_depth_doc},
    {"bind_depth", (PyCFunction)(void (*)(void))fp_bind_depth, METH_FASTCALL, bind_depth_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fp_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ibkr._fastpath",
    .m_doc = "The compiled hot path of the client's dispatch and the data stream's L1 and depth updates (see fastpath.py).",
    .m_size = -1,
    .m_methods = fp_methods,
};

PyMODINIT_FUNC
PyInit__fastpath(void)
{
    if (nan_obj == NULL) {
        nan_obj = PyFloat_FromDouble(NAN);
        zero_obj = PyFloat_FromDouble(0.0);
        one_obj = PyLong_FromLong(1);
        str_queue = PyUnicode_InternFromString("_queue");
        str_append = PyUnicode_InternFromString("append");
        if (nan_obj == NULL || zero_obj == NULL || one_obj == NULL || str_queue == NULL || str_append == NULL)
            return NULL;
    }
    PyObject *m;
    if (done_obj == NULL && (done_obj = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type)) == NULL)
        return NULL;
    m = PyModule_Create(&fp_module);
    if (m != NULL && PyModule_AddObjectRef(m, "DONE", done_obj) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
