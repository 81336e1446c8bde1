/*
 * ibkr.protocol._native: the optional compiled decoder of the hot server messages.
 *
 * One call cuts every complete frame out of the receive buffer and, for the message shapes it
 * was given (a "plan", built in native.py from the same classes the Python fast decoders build),
 * parses the fields straight from the buffer and fills the slots of the message object. Anything
 * else (another id, an unexpected field count, a value it does not take verbatim) goes to a
 * Python fallback with the frame's payload, in order, so the result is always what the Python
 * decoders give. The module holds no state of its own: no I/O, no clock, no logging.
 *
 * What "verbatim" means here (anything else falls back):
 *   INT      optional '-', then 1..18 ASCII digits
 *   FLOAT    1..63 characters of [0-9.eE+-] that PyOS_string_to_double reads whole (what
 *            float(bytes) gives for the same text; overflow gives +-inf, as float() does)
 *   SIZE     one of the unset texts (-> None), or a FLOAT strictly inside (-2^31+1, 2^31-1)
 *   STR      valid UTF-8
 *   BOOL01   "0" or "1"
 *   CALL     a Python callable applied to the field's bytes (Decimal quantities)
 *   VERSION  an INT that is read and dropped; SKIP drops the field unread
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>
#if defined(__GLIBC__)
#include <locale.h>
#include <stdlib.h>
/* glibc's strtod is correctly rounded, like Python's own parser, and does not switch the x87
 * control word on every call (PyOS_string_to_double does, which is slow on some CPUs); with
 * the C locale held here, the decimal point is '.' whatever the process's locale is */
static locale_t c_locale = (locale_t)0;
#endif

enum { K_SKIP = 0, K_VERSION, K_INT, K_FLOAT, K_SIZE, K_STR, K_BOOL01, K_CALL };

#define MAX_FIELDS 32
#define MAX_ID 256
#define MAX_MATCH 15

typedef struct {
    int kind;
    Py_ssize_t offset; /* slot offset in the object, -1 when the field is not stored */
    PyObject *arg;     /* K_CALL: the callable (owned) */
} Step;

typedef struct {
    PyTypeObject *cls; /* owned */
    int nfields;       /* fields in the payload, the id included */
    int match_index;   /* field that must equal match_text, -1 for none */
    char match_text[MAX_MATCH + 1];
    Py_ssize_t match_len;
    Step steps[MAX_FIELDS];
} Variant;

typedef struct {
    int count;
    Variant *variants;
} Entry;

typedef struct {
    PyObject_HEAD
    Entry table[MAX_ID];
    PyObject *unset; /* tuple of bytes: the texts a SIZE reads as None (owned) */
} PlanObject;

/* ------------------------------------------------------------------------------------------ */
/* field readers: 0 = value produced, -1 = not verbatim (no Python error set), -2 = error set  */

static int
read_int(const char *s, Py_ssize_t n, long long *out)
{
    Py_ssize_t i = 0;
    int neg = 0;
    long long v = 0;
    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (n - i < 1 || n - i > 18)
        return -1;
    for (; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9)
            return -1;
        v = v * 10 + (long long)d;
    }
    *out = neg ? -v : v;
    return 0;
}

/* Powers of ten that a double holds exactly. */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common case without a call: a decimal of at most 15 significant digits and a decimal
 * exponent within +-22 (optional '-', digits, optional '.' and digits, optional e/E exponent).
 * Its digits form an integer m < 2^53 and 10^k is exact, so the one IEEE multiplication or
 * division is correctly rounded: the same double the full parser gives (Clinger's fast path).
 * Returns -1 where it does not apply. */
static int
read_float_fast(const char *s, Py_ssize_t n, double *out)
{
    Py_ssize_t i = 0;
    int neg = 0, digits = 0, frac = 0, any = 0, e10;
    unsigned long long m = 0;
    double v;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        any = 1;
        if (m == 0 && s[i] == '0')
            continue; /* leading zeros are not significant */
        if (++digits > 15)
            return -1;
        m = m * 10 + (unsigned)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            any = 1;
            frac++;
            if (m == 0 && s[i] == '0')
                continue;
            if (++digits > 15)
                return -1;
            m = m * 10 + (unsigned)(s[i] - '0');
        }
    }
    if (!any)
        return -1;
    e10 = -frac;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, ev = 0, edigits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (++edigits > 3)
                return -1;
            ev = ev * 10 + (s[i] - '0');
        }
        if (edigits == 0)
            return -1;
        e10 += eneg ? -ev : ev;
    }
    if (i != n || e10 < -22 || e10 > 22)
        return -1;
    v = (double)m;
    v = e10 < 0 ? v / POW10[-e10] : v * POW10[e10];
    *out = neg ? -v : v;
    return 0;
}

static int
read_float(const char *s, Py_ssize_t n, double *out)
{
    /* s[n] is the field's NUL terminator, so the C parser stops there at the latest */
    char *end = NULL;
    double v;
    Py_ssize_t i;
    if (n < 1 || n > 63)
        return -1;
    if (read_float_fast(s, n, out) == 0)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return -1;
    }
#if defined(__GLIBC__)
    if (c_locale != (locale_t)0) {
        v = strtod_l(s, &end, c_locale);
        if (end != s + n)
            return -1;
        *out = v;
        return 0;
    }
#endif
    v = PyOS_string_to_double(s, &end, NULL);
    if (v == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError))
            return -2;
        PyErr_Clear();
        return -1;
    }
    if (end != s + n)
        return -1;
    *out = v;
    return 0;
}

static int
is_unset(PlanObject *plan, const char *s, Py_ssize_t n)
{
    Py_ssize_t i, count = PyTuple_GET_SIZE(plan->unset);
    for (i = 0; i < count; i++) {
        PyObject *b = PyTuple_GET_ITEM(plan->unset, i);
        if (PyBytes_GET_SIZE(b) == n && memcmp(PyBytes_AS_STRING(b), s, (size_t)n) == 0)
            return 1;
    }
    return 0;
}

/* The value of one field, or NULL with *status -1 (not verbatim) or -2 (Python error set). */
static PyObject *
read_field(PlanObject *plan, const Step *step, const char *s, Py_ssize_t n, int *status)
{
    long long iv;
    double dv;
    int rc;
    PyObject *v;
    switch (step->kind) {
    case K_INT:
        if (read_int(s, n, &iv) < 0)
            break;
        return PyLong_FromLongLong(iv);
    case K_FLOAT:
        rc = read_float(s, n, &dv);
        if (rc == -2) {
            *status = -2;
            return NULL;
        }
        if (rc < 0)
            break;
        return PyFloat_FromDouble(dv);
    case K_SIZE:
        if (is_unset(plan, s, n))
            Py_RETURN_NONE;
        rc = read_float(s, n, &dv);
        if (rc == -2) {
            *status = -2;
            return NULL;
        }
        if (rc < 0 || !(dv > -2147483647.0 && dv < 2147483647.0))
            break;
        return PyFloat_FromDouble(dv);
    case K_STR:
        v = PyUnicode_DecodeUTF8(s, n, NULL);
        if (v == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
                *status = -2;
                return NULL;
            }
            PyErr_Clear();
            break;
        }
        return v;
    case K_BOOL01:
        if (n == 1 && (s[0] == '0' || s[0] == '1'))
            return PyBool_FromLong(s[0] == '1');
        break;
    case K_CALL: {
        PyObject *raw = PyBytes_FromStringAndSize(s, n);
        if (raw == NULL) {
            *status = -2;
            return NULL;
        }
        v = PyObject_CallOneArg(step->arg, raw);
        Py_DECREF(raw);
        if (v == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                *status = -2;
                return NULL;
            }
            PyErr_Clear();
            break;
        }
        return v;
    }
    }
    *status = -1;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */

/* Build the message of one frame. Returns a new reference, or NULL with *status -1 (take the
 * fallback) or -2 (Python error set). ``p`` .. ``p + n`` is the payload, its last byte a NUL. */
static PyObject *
decode_frame(PlanObject *plan, const char *p, Py_ssize_t n, int *status)
{
    const char *starts[MAX_FIELDS];
    Py_ssize_t lens[MAX_FIELDS];
    PyObject *vals[MAX_FIELDS];
    Py_ssize_t offs[MAX_FIELDS];
    int nfields = 0, nvals = 0, i, j;
    const char *cur = p, *stop = p + n;
    long long id;
    const Entry *entry;
    const Variant *var = NULL;
    PyObject *obj;

    *status = -1;
    while (cur < stop) {
        const char *nul = memchr(cur, 0, (size_t)(stop - cur));
        if (nfields == MAX_FIELDS)
            return NULL;
        starts[nfields] = cur;
        lens[nfields] = nul - cur;
        nfields++;
        cur = nul + 1;
    }
    if (nfields == 0 || read_int(starts[0], lens[0], &id) < 0 || id < 0 || id >= MAX_ID)
        return NULL;
    entry = &plan->table[id];
    for (i = 0; i < entry->count; i++) {
        const Variant *v = &entry->variants[i];
        if (v->nfields != nfields)
            continue;
        if (v->match_index >= 0 &&
            (lens[v->match_index] != v->match_len ||
             memcmp(starts[v->match_index], v->match_text, (size_t)v->match_len) != 0))
            continue;
        var = v;
        break;
    }
    if (var == NULL)
        return NULL;
    for (i = 0; i < nfields; i++) {
        const Step *step = &var->steps[i];
        PyObject *value;
        long long ignored;
        if (step->kind == K_SKIP)
            continue;
        if (step->kind == K_VERSION) {
            if (read_int(starts[i], lens[i], &ignored) < 0)
                goto fail;
            continue;
        }
        value = read_field(plan, step, starts[i], lens[i], status);
        if (value == NULL)
            goto fail;
        vals[nvals] = value;
        offs[nvals] = step->offset;
        nvals++;
    }
    obj = var->cls->tp_alloc(var->cls, 0);
    if (obj == NULL) {
        *status = -2;
        goto fail;
    }
    for (j = 0; j < nvals; j++)
        *(PyObject **)((char *)obj + offs[j]) = vals[j]; /* steals the reference */
    return obj;
fail:
    for (j = 0; j < nvals; j++)
        Py_DECREF(vals[j]);
    return NULL;
}

PyDoc_STRVAR(decode_doc,
"decode(data, pos, limit, out, fallback) -> (pos, frames, refused)\n\n"
"Cut every complete frame of ``data`` (any buffer) from offset ``pos``: a frame the plan\n"
"decodes is appended to ``out`` as its message; any other frame goes to\n"
"``fallback(payload, out)``, in order. Stops at an incomplete frame, or before a frame whose\n"
"length exceeds ``limit`` (returned as ``refused``, else 0). ``frames``: frames taken.");

static PyObject *
plan_decode(PlanObject *plan, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    Py_ssize_t pos, limit, frames = 0, refused = 0;
    PyObject *out, *fallback, *result = NULL;
    const unsigned char *buf;
    Py_ssize_t total;

    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "decode() takes 5 arguments (data, pos, limit, out, fallback)");
        return NULL;
    }
    pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred())
        return NULL;
    limit = PyLong_AsSsize_t(args[2]);
    if (limit == -1 && PyErr_Occurred())
        return NULL;
    out = args[3];
    fallback = args[4];
    if (!PyList_Check(out)) {
        PyErr_SetString(PyExc_TypeError, "decode(): out must be a list");
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    buf = (const unsigned char *)view.buf;
    total = view.len;
    if (pos < 0 || pos > total) {
        PyErr_SetString(PyExc_ValueError, "decode(): pos is outside the data");
        goto done;
    }
    while (total - pos >= 4) {
        Py_ssize_t size = ((Py_ssize_t)buf[pos] << 24) | ((Py_ssize_t)buf[pos + 1] << 16) |
                          ((Py_ssize_t)buf[pos + 2] << 8) | (Py_ssize_t)buf[pos + 3];
        Py_ssize_t start = pos + 4, end = start + size;
        PyObject *msg = NULL;
        int status = -1;
        if (size > limit) {
            refused = size;
            break;
        }
        if (end > total)
            break;
        pos = end;
        frames++;
        if (size > 0 && buf[end - 1] == 0)
            msg = decode_frame(plan, (const char *)buf + start, size, &status);
        if (msg != NULL) {
            int rc = PyList_Append(out, msg);
            Py_DECREF(msg);
            if (rc < 0)
                goto done;
            continue;
        }
        if (status == -2)
            goto done;
        {
            PyObject *payload = PyBytes_FromStringAndSize((const char *)buf + start, size);
            PyObject *r;
            if (payload == NULL)
                goto done;
            r = PyObject_CallFunctionObjArgs(fallback, payload, out, NULL);
            Py_DECREF(payload);
            if (r == NULL)
                goto done;
            Py_DECREF(r);
        }
    }
    result = Py_BuildValue("(nnn)", pos, frames, refused);
done:
    PyBuffer_Release(&view);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Plan(table, unset): table maps an id (0..255) to a sequence of variants                     */
/*   (cls, nfields, match_index, match_text | None, steps); steps: one (kind, slot, arg) per   */
/*   field, slot being the class's member descriptor (or None when the field is not stored).  */

static void
plan_clear_entries(PlanObject *plan)
{
    int id, i, k;
    for (id = 0; id < MAX_ID; id++) {
        Entry *e = &plan->table[id];
        for (i = 0; i < e->count; i++) {
            Variant *v = &e->variants[i];
            Py_XDECREF(v->cls);
            for (k = 0; k < MAX_FIELDS; k++)
                Py_XDECREF(v->steps[k].arg);
        }
        PyMem_Free(e->variants);
        e->variants = NULL;
        e->count = 0;
    }
}

static int
plan_fill_step(Step *step, PyObject *spec, PyTypeObject *cls)
{
    int kind;
    PyObject *slot, *arg;
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 3) {
        PyErr_SetString(PyExc_TypeError, "a step is a (kind, slot, arg) tuple");
        return -1;
    }
    kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 0));
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (kind < K_SKIP || kind > K_CALL) {
        PyErr_Format(PyExc_ValueError, "unknown step kind %d", kind);
        return -1;
    }
    slot = PyTuple_GET_ITEM(spec, 1);
    arg = PyTuple_GET_ITEM(spec, 2);
    step->kind = kind;
    step->offset = -1;
    step->arg = NULL;
    if (kind == K_SKIP || kind == K_VERSION) {
        if (slot != Py_None) {
            PyErr_SetString(PyExc_ValueError, "a skipped field has no slot");
            return -1;
        }
        return 0;
    }
    if (!Py_IS_TYPE(slot, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "a stored field needs the class's slot (member descriptor)");
        return -1;
    }
    {
        PyMemberDescrObject *d = (PyMemberDescrObject *)slot;
        if (d->d_member->type != T_OBJECT_EX || (d->d_member->flags & READONLY) ||
            !PyType_IsSubtype(cls, d->d_common.d_type)) {
            PyErr_SetString(PyExc_TypeError, "the slot is not a writable object slot of the class");
            return -1;
        }
        step->offset = d->d_member->offset;
    }
    if (kind == K_CALL) {
        if (!PyCallable_Check(arg)) {
            PyErr_SetString(PyExc_TypeError, "a CALL step needs a callable");
            return -1;
        }
        Py_INCREF(arg);
        step->arg = arg;
    }
    return 0;
}

static int
plan_fill_variant(Variant *v, PyObject *spec)
{
    PyObject *cls, *match, *steps;
    Py_ssize_t k, nsteps;
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 5) {
        PyErr_SetString(PyExc_TypeError, "a variant is a (cls, nfields, match_index, match_text, steps) tuple");
        return -1;
    }
    cls = PyTuple_GET_ITEM(spec, 0);
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "a variant's cls must be a class");
        return -1;
    }
    Py_INCREF(cls);
    v->cls = (PyTypeObject *)cls;
    v->nfields = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 1));
    v->match_index = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 2));
    if (PyErr_Occurred())
        return -1;
    if (v->nfields < 1 || v->nfields > MAX_FIELDS || v->match_index < -1 || v->match_index >= v->nfields) {
        PyErr_SetString(PyExc_ValueError, "field count or match index out of range");
        return -1;
    }
    match = PyTuple_GET_ITEM(spec, 3);
    if (v->match_index >= 0) {
        if (!PyBytes_Check(match) || PyBytes_GET_SIZE(match) > MAX_MATCH) {
            PyErr_SetString(PyExc_TypeError, "match_text must be bytes of at most 15 bytes");
            return -1;
        }
        v->match_len = PyBytes_GET_SIZE(match);
        memcpy(v->match_text, PyBytes_AS_STRING(match), (size_t)v->match_len);
    }
    steps = PyTuple_GET_ITEM(spec, 4);
    if (!PyTuple_Check(steps)) {
        PyErr_SetString(PyExc_TypeError, "steps must be a tuple");
        return -1;
    }
    nsteps = PyTuple_GET_SIZE(steps);
    if (nsteps != v->nfields) {
        PyErr_SetString(PyExc_ValueError, "one step per field");
        return -1;
    }
    for (k = 0; k < nsteps; k++)
        if (plan_fill_step(&v->steps[k], PyTuple_GET_ITEM(steps, k), v->cls) < 0)
            return -1;
    return 0;
}

static int
plan_init(PlanObject *plan, PyObject *args, PyObject *kwds)
{
    PyObject *table, *unset, *key, *value;
    Py_ssize_t it = 0, i;
    static char *kwlist[] = {"table", "unset", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!:Plan", kwlist, &PyDict_Type, &table, &PyTuple_Type, &unset))
        return -1;
    for (i = 0; i < PyTuple_GET_SIZE(unset); i++)
        if (!PyBytes_Check(PyTuple_GET_ITEM(unset, i))) {
            PyErr_SetString(PyExc_TypeError, "unset must be a tuple of bytes");
            return -1;
        }
    plan_clear_entries(plan);
    Py_INCREF(unset);
    Py_XSETREF(plan->unset, unset);
    while (PyDict_Next(table, &it, &key, &value)) {
        long id = PyLong_AsLong(key);
        PyObject *seq;
        Entry *e;
        if (id == -1 && PyErr_Occurred())
            goto fail;
        if (id < 0 || id >= MAX_ID) {
            PyErr_Format(PyExc_ValueError, "message id %ld is outside 0..%d", id, MAX_ID - 1);
            goto fail;
        }
        seq = PySequence_Tuple(value);
        if (seq == NULL)
            goto fail;
        e = &plan->table[id];
        e->variants = PyMem_Calloc((size_t)PyTuple_GET_SIZE(seq) + 1, sizeof(Variant));
        if (e->variants == NULL) {
            Py_DECREF(seq);
            PyErr_NoMemory();
            goto fail;
        }
        for (i = 0; i < PyTuple_GET_SIZE(seq); i++) {
            e->count++;
            if (plan_fill_variant(&e->variants[i], PyTuple_GET_ITEM(seq, i)) < 0) {
                Py_DECREF(seq);
                goto fail;
            }
        }
        Py_DECREF(seq);
    }
    return 0;
fail:
    plan_clear_entries(plan);
    return -1;
}

static int
plan_traverse(PlanObject *plan, visitproc visit, void *arg)
{
    int id, i, k;
    Py_VISIT(plan->unset);
    for (id = 0; id < MAX_ID; id++)
        for (i = 0; i < plan->table[id].count; i++) {
            Variant *v = &plan->table[id].variants[i];
            Py_VISIT(v->cls);
            for (k = 0; k < MAX_FIELDS; k++)
                Py_VISIT(v->steps[k].arg);
        }
    return 0;
}

static int
plan_clear(PlanObject *plan)
{
    plan_clear_entries(plan);
    Py_CLEAR(plan->unset);
    return 0;
}

static void
plan_dealloc(PlanObject *plan)
{
    PyObject_GC_UnTrack(plan);
    plan_clear(plan);
    Py_TYPE(plan)->tp_free((PyObject *)plan);
}

static PyObject *
plan_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PlanObject *plan = (PlanObject *)type->tp_alloc(type, 0);
    if (plan == NULL)
        return NULL;
    plan->unset = PyTuple_New(0);
    if (plan->unset == NULL) {
        Py_DECREF(plan);
        return NULL;
    }
    return (PyObject *)plan;
}

static PyMethodDef plan_methods[] = {
    {"decode", (PyCFunction)(void (*)(void))plan_decode, METH_FASTCALL, decode_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(plan_doc, "Plan(table, unset): the message shapes the compiled decoder builds directly.");

static PyTypeObject PlanType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ibkr.protocol._native.Plan",
    .tp_basicsize = sizeof(PlanObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = plan_doc,
    .tp_new = plan_new,
    .tp_init = (initproc)plan_init,
    .tp_dealloc = (destructor)plan_dealloc,
    .tp_traverse = (traverseproc)plan_traverse,
    .tp_clear = (inquiry)plan_clear,
    .tp_methods = plan_methods,
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ibkr.protocol._native",
    .m_doc = "The optional compiled decoder of ibkr's hot server messages (see native.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    PyObject *m;
#if defined(__GLIBC__)
    if (c_locale == (locale_t)0)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); /* on failure: PyOS_string_to_double */
#endif
    if (PyType_Ready(&PlanType) < 0)
        return NULL;
    m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&PlanType);
    if (PyModule_AddObject(m, "Plan", (PyObject *)&PlanType) < 0 ||
        PyModule_AddIntConstant(m, "SKIP", K_SKIP) < 0 || PyModule_AddIntConstant(m, "VERSION", K_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "INT", K_INT) < 0 || PyModule_AddIntConstant(m, "FLOAT", K_FLOAT) < 0 ||
        PyModule_AddIntConstant(m, "SIZE", K_SIZE) < 0 || PyModule_AddIntConstant(m, "STR", K_STR) < 0 ||
        PyModule_AddIntConstant(m, "BOOL01", K_BOOL01) < 0 || PyModule_AddIntConstant(m, "CALL", K_CALL) < 0 ||
        PyModule_AddIntConstant(m, "MAX_FIELDS", MAX_FIELDS) < 0) {
        Py_DECREF(&PlanType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
