/*
 * ibkr.protocol._tickenc: the compiled encoder of the server role's hottest messages.
 *
 * frame_run(msgs, start, out) appends to the bytearray ``out`` the frames (4-byte big-endian
 * length, then the payload) of msgs[start], msgs[start + 1], ... for as long as each is a
 * TICK_PRICE, TICK_SIZE or TICK_STRING (the exact classes given to bind) whose fields it takes
 * verbatim, and returns the index of the first message it did not take (len(msgs) when it took
 * them all). The bytes are exactly what frame(encode_payload(m, sv)) gives for them (their
 * layouts do not depend on the server version); the test suite compares the two on random and
 * edge values. What it takes verbatim:
 *   ints      exact ints that fit in a long long (written as str() writes them)
 *   price     a finite exact float (repr())
 *   size      None (""), or a finite exact float: str(int(v)) when integral (|v| < 2^53), else repr()
 *   value     an exact str without NUL that encodes to UTF-8 (no lone surrogates)
 * Anything else (and a payload over 1 KiB) stops the run; the caller encodes that message in
 * Python, which gives the same bytes or the same error. No state but the bound classes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <string.h>

#include "../_slots.h"

#define MAX_PAYLOAD 1024

static struct {
    int bound;
    PyTypeObject *price, *size, *string; /* owned */
    Py_ssize_t p_req_id, p_tick_type, p_price, p_size, p_attr_mask;
    Py_ssize_t s_req_id, s_tick_type, s_size;
    Py_ssize_t t_req_id, t_tick_type, t_value;
} B;


typedef struct {
    char buf[MAX_PAYLOAD];
    Py_ssize_t n;
} Payload;

static int
put(Payload *p, const char *s, Py_ssize_t n)
{
    if (p->n + n + 1 > MAX_PAYLOAD)
        return 0;
    memcpy(p->buf + p->n, s, (size_t)n);
    p->n += n;
    p->buf[p->n++] = '\0';
    return 1;
}

/* str() of a long long, without printf */
static int
put_ll(Payload *p, long long x)
{
    char tmp[24], *end = tmp + sizeof tmp, *q = end;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    do {
        *--q = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (x < 0)
        *--q = '-';
    return put(p, q, (Py_ssize_t)(end - q));
}

/* an exact int that fits a long long: str(v) */
static int
put_int(Payload *p, PyObject *v)
{
    int overflow;
    long long x;
    if (v == NULL || !PyLong_CheckExact(v))
        return 0;
    x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return put_ll(p, x);
}

/*
 * repr() of a double that is a short decimal, without dtoa: 1e-4 <= |d| < 1e15 and d is the
 * double nearest m / 10^k for some integer m < 10^15 (at most 15 significant digits). m and 10^k
 * are exact doubles and IEEE division rounds correctly, so m / 10^k == d says the decimal reads
 * back as d; the smallest such k gives the fewest digits, and no other decimal of at most 15
 * digits reads back as d (DBL_DIG), so this is the shortest round trip repr() writes, in the
 * fixed notation repr() uses in that range ("230.05", "0.0001", "100.0"). Writes into out and
 * returns the length, or 0 (the caller asks dtoa) for anything else: zeros, longer decimals.
 */
static const double POW10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

static int
short_repr(double d, char *out)
{
    double a = fabs(d), r = 0.0;
    unsigned long long m, ip, frac;
    int k, n = 0, i;
    char digits[24];
    if (!(a >= 1e-4 && a < 1e15))
        return 0;
    for (k = 0; k < 16; k++) {
        double scaled = a * POW10[k];
        if (scaled >= 1e15)
            return 0;
        r = nearbyint(scaled);
        if (r / POW10[k] == a)
            break;
    }
    if (k == 16)
        return 0;
    m = (unsigned long long)r;
    ip = m / (unsigned long long)POW10[k];
    frac = m % (unsigned long long)POW10[k];
    if (d < 0)
        out[n++] = '-';
    i = 0;
    do {
        digits[i++] = (char)('0' + (int)(ip % 10));
        ip /= 10;
    } while (ip);
    while (i)
        out[n++] = digits[--i];
    out[n++] = '.';
    if (k == 0) {
        out[n++] = '0';
        return n;
    }
    for (i = k - 1; i >= 0; i--) {
        digits[i] = (char)('0' + (int)(frac % 10));
        frac /= 10;
    }
    memcpy(out + n, digits, (size_t)k);
    return n + k;
}

/* repr() of a finite exact float */
static int
put_repr(Payload *p, PyObject *v)
{
    char *s;
    int ok;
    double d;
    if (v == NULL || !PyFloat_CheckExact(v))
        return 0;
    d = PyFloat_AS_DOUBLE(v);
    if (!isfinite(d))
        return 0;
    {
        char tmp[40];
        int n = short_repr(d, tmp);
        if (n)
            return put(p, tmp, n);
    }
    s = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
        PyErr_Clear();
        return 0;
    }
    ok = put(p, s, (Py_ssize_t)strlen(s));
    PyMem_Free(s);
    return ok;
}

/* size_text(): None -> "", an integral float -> str(int(v)), else repr() */
static int
put_size(Payload *p, PyObject *v)
{
    double d;
    if (v == Py_None)
        return put(p, "", 0);
    if (v == NULL || !PyFloat_CheckExact(v))
        return 0;
    d = PyFloat_AS_DOUBLE(v);
    if (!isfinite(d))
        return 0;
    if (d == floor(d)) {
        if (fabs(d) >= 9007199254740992.0)
            return 0; /* str(int(v)) of a large integral float: Python's digits */
        return put_ll(p, (long long)d);
    }
    return put_repr(p, v);
}

/* an exact str without NUL, as UTF-8 */
static int
put_text(Payload *p, PyObject *v)
{
    const char *s;
    Py_ssize_t n;
    if (v == NULL || !PyUnicode_CheckExact(v))
        return 0;
    s = PyUnicode_AsUTF8AndSize(v, &n);
    if (s == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (memchr(s, '\0', (size_t)n) != NULL)
        return 0;
    return put(p, s, n);
}

/* the payload of one message, or 0 when it is not taken verbatim */
static int
payload_of(PyObject *m, Payload *p)
{
    PyTypeObject *tp = Py_TYPE(m);
    p->n = 0;
    if (tp == B.price)
        return put(p, "1", 1) && put(p, "6", 1) && put_int(p, SLOT(m, B.p_req_id)) &&
               put_int(p, SLOT(m, B.p_tick_type)) && put_repr(p, SLOT(m, B.p_price)) &&
               put_size(p, SLOT(m, B.p_size)) && put_int(p, SLOT(m, B.p_attr_mask));
    if (tp == B.size)
        return put(p, "2", 1) && put(p, "6", 1) && put_int(p, SLOT(m, B.s_req_id)) &&
               put_int(p, SLOT(m, B.s_tick_type)) && put_size(p, SLOT(m, B.s_size));
    if (tp == B.string)
        return put(p, "46", 2) && put(p, "6", 1) && put_int(p, SLOT(m, B.t_req_id)) &&
               put_int(p, SLOT(m, B.t_tick_type)) && put_text(p, SLOT(m, B.t_value));
    return 0;
}

PyDoc_STRVAR(frame_run_doc, "frame_run(msgs, start, out, /) -> int\n\n"
                            "Append the frames of the run of tick messages from msgs[start] to the bytearray out;\n"
                            "the index of the first message not taken (see the module's header).");

static PyObject *
frame_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *seq, *out;
    Py_ssize_t i, n;
    Payload p;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "frame_run() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    out = args[2];
    if (!PyByteArray_CheckExact(out)) {
        PyErr_SetString(PyExc_TypeError, "frame_run(): out must be a bytearray");
        return NULL;
    }
    i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if ((seq = PySequence_Fast(args[0], "frame_run(): msgs must be a sequence")) == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    if (i < 0)
        i = 0;
    for (; B.bound && i < n; i++) {
        Py_ssize_t len = PyByteArray_GET_SIZE(out);
        char *dst;
        if (!payload_of(PySequence_Fast_GET_ITEM(seq, i), &p))
            break;
        if (PyByteArray_Resize(out, len + 4 + p.n) < 0) {
            Py_DECREF(seq);
            return NULL;
        }
        dst = PyByteArray_AS_STRING(out) + len;
        dst[0] = (char)((p.n >> 24) & 0xff);
        dst[1] = (char)((p.n >> 16) & 0xff);
        dst[2] = (char)((p.n >> 8) & 0xff);
        dst[3] = (char)(p.n & 0xff);
        memcpy(dst + 4, p.buf, (size_t)p.n);
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(i < n ? i : n);
}

PyDoc_STRVAR(bind_doc, "bind(tick_price, tick_size, tick_string, /) -> None\n\n"
                       "The message classes frame_run encodes (their slot offsets are looked up now).");

#define OFF(field, tp, name)                                                                                 \
    if ((B.field = slot_of((PyTypeObject *)(tp), name)) < 0)                                                 \
        return NULL;

static PyObject *
bind(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int i;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "bind() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    for (i = 0; i < 3; i++)
        if (!PyType_Check(args[i])) {
            PyErr_SetString(PyExc_TypeError, "bind(): the arguments must be classes");
            return NULL;
        }
    B.bound = 0;
    OFF(p_req_id, args[0], "req_id") OFF(p_tick_type, args[0], "tick_type") OFF(p_price, args[0], "price");
    OFF(p_size, args[0], "size") OFF(p_attr_mask, args[0], "attr_mask");
    OFF(s_req_id, args[1], "req_id") OFF(s_tick_type, args[1], "tick_type") OFF(s_size, args[1], "size");
    OFF(t_req_id, args[2], "req_id") OFF(t_tick_type, args[2], "tick_type") OFF(t_value, args[2], "value");
    Py_XSETREF(B.price, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(B.size, (PyTypeObject *)Py_NewRef(args[1]));
    Py_XSETREF(B.string, (PyTypeObject *)Py_NewRef(args[2]));
    B.bound = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"frame_run", (PyCFunction)(void (*)(void))frame_run, METH_FASTCALL, frame_run_doc},
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL, bind_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ibkr.protocol._tickenc",
    .m_doc = "The compiled encoder of the server role's tick messages (see native.py: encode_frames).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__tickenc(void)
{
    return PyModule_Create(&module_def);
}
