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
 *
 * fill() and emit() serve the step-compiled order codecs (messages/step_compiler.py): each takes
 * a run of consecutive one-field attributes (a "prog" tuple) and reads or writes them in one call,
 * with exactly the semantics of the Python lines the compiler writes otherwise, or raises (the
 * compiler's caller then runs the step interpreter from the message's first field).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
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

/* ------------------------------------------------------------------------------------------ */
/* Prog, fill, emit: runs of one-field attributes of the step-compiled order codecs             */
/*                                                                                            */
/* A Prog is a run compiled once (step_compiler builds one per run and server version). It     */
/* keeps, per object index, the type it last saw there with that type's version tag, and the   */
/* slot offset of each attribute in it: what CPython's own STORE_ATTR_SLOT / LOAD_ATTR_SLOT    */
/* cache inline. Looking a descriptor up per field costs more than the Python line it replaces */
/* (two dependent loads that miss the cache); the offsets make a field a few compares. Every   */
/* field re-checks type and tag, so a class changed meanwhile (even by code a conversion ran)  */
/* is looked up again; a type whose attribute is not a plain slot goes through the generic     */
/* getattr / setattr.                                                                          */

/* emit() codes, one per expression form of step_compiler._EncodeGen.expr */
enum { E_CONST = 0, E_INT, E_INT_UNSET, E_STR, E_BOOL, E_OPT_BOOL, E_DEC, E_NUM, E_CALL, E_LIST, E_PRESENT };
/* fill() entries: the field unread, decoded as UTF-8, or looked up in a mapping */
enum { F_SKIP = 100, F_TEXT, F_CONV, F_LIST };
/* fill() readers: the texts an entry reads itself, its mapping giving the same value for them
 * (step_compiler's tables of INT / INT_E / INT_R, BOOL, OPT_BOOL); any other text goes to the
 * mapping. Where most order fields are small ints and flags, this skips the mapping's hashing,
 * and for an id beyond its known texts (perm_id, con_id) a Python __missing__ call. */
enum { R_NONE = 0, R_INT, R_BOOL, R_OPT_BOOL };
/* F_LIST entries: a count (ListOf: "" or "0" is an empty list), a 0/1 flag (Present: "" or "0"
 * is None) or a tag=value text ("" is an empty list); any other text: kind.decode(r, name, sv) */
enum { L_LIST = 10, L_PRESENT, L_TEXT_LIST };

#define MAX_OBJS 8

typedef struct {
    int obj;            /* index into objs */
    int code;           /* E_* (emit) or F_* (fill) */
    int read;           /* fill, F_CONV: R_*; F_LIST: L_* */
    PyObject *name;     /* the attribute (owned, interned); NULL for F_SKIP / E_CONST */
    PyObject *a;        /* fill: the mapping; emit: the unset text (None: none) or E_CONST's text */
    PyObject *b;        /* emit: the kind's to_text (E_LIST, E_PRESENT: its encode); F_LIST: its decode */
    PyObject *c;        /* emit, E_DEC: the Decimal class; E_LIST, E_PRESENT, F_LIST: the server version */
    Py_ssize_t offset;  /* the attribute's slot in instances of types[obj], -1: generic access */
    PyTypeObject *conv_type; /* fill, F_CONV: the mapping's type if a dict leaving __getitem__ to dict */
    unsigned int conv_tag;   /* ... and its version tag then (owned type) */
} ProgEntry;

typedef struct {
    PyObject_HEAD
    int emit;                      /* emit entries, else fill entries */
    int lists;                     /* fill: has F_LIST entries (which need the reader) */
    Py_ssize_t n;
    ProgEntry *entries;
    PyTypeObject *types[MAX_OBJS]; /* per object index: the type the offsets are for (owned) */
    unsigned int tags[MAX_OBJS];   /* ... and its version tag then */
} ProgObject;

static PyTypeObject ProgType;

static PyObject *text_one, *text_zero, *text_empty; /* "1", "0", "" */
static PyObject *str_getitem;                        /* "__getitem__" */
static PyObject *str_pos;                            /* "pos" */

/* str(i) for -1 <= i < SMALL_TEXTS (at index i + 1), made on first use: the ids, counts, flags
 * and enum values of an order are mostly small, and str() allocates and formats every time */
#define SMALL_TEXTS 1024
static PyObject *small_texts[SMALL_TEXTS + 1];

/* str(v) for an exact int ``v`` (a new reference) */
static PyObject *
int_text(PyObject *v)
{
    int overflow;
    long i = PyLong_AsLongAndOverflow(v, &overflow);
    PyObject **cached;
    if (overflow || i < -1 || i >= SMALL_TEXTS)
        return PyObject_Str(v);
    cached = &small_texts[i + 1];
    if (*cached == NULL && (*cached = PyObject_Str(v)) == NULL)
        return NULL;
    return Py_NewRef(*cached);
}

/* The offset of the slot that attribute access on an instance of ``tp`` reads (set = 0) or
 * writes (set = 1) for ``name``, as PyObject_GenericGetAttr / SetAttr would find it: a writable
 * object member (a __slots__ entry) found on the type, which has no __getattribute__ /
 * __getattr__ / __setattr__ of its own. -1 for anything else. */
static Py_ssize_t
member_offset(PyTypeObject *tp, PyObject *name, int set)
{
    PyObject *descr;
    PyMemberDef *m;
    if (set ? tp->tp_setattro != PyObject_GenericSetAttr : tp->tp_getattro != PyObject_GenericGetAttr)
        return -1;
    descr = _PyType_Lookup(tp, name);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type))
        return -1;
    m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX || m->flags != 0 || !PyType_IsSubtype(tp, ((PyMemberDescrObject *)descr)->d_common.d_type))
        return -1;
    return m->offset;
}

/* Point the cache of object index ``k`` at type ``tp``: the offsets of its entries' attributes */
static void
prog_resolve(ProgObject *prog, int k, PyTypeObject *tp)
{
    Py_ssize_t j;
    for (j = 0; j < prog->n; j++) {
        ProgEntry *other = &prog->entries[j];
        if (other->obj == k && other->name != NULL)
            other->offset = member_offset(tp, other->name, !prog->emit);
    }
    /* _PyType_Lookup gave tp a version tag where it can; without one (0) its attribute lookups
     * are not cached and nothing here may be either: generic access until it has one */
    if (tp->tp_version_tag == 0)
        for (j = 0; j < prog->n; j++)
            if (prog->entries[j].obj == k)
                prog->entries[j].offset = -1;
    Py_INCREF(tp);
    Py_XSETREF(prog->types[k], tp);
    prog->tags[k] = tp->tp_version_tag;
}

/* The slot offset of entry ``e`` in ``obj`` (-1: generic access), the cache of its object index
 * pointed at obj's type first if it is not already (another type, or the same one modified). */
static inline Py_ssize_t
entry_offset(ProgObject *prog, const ProgEntry *e, PyObject *obj)
{
    PyTypeObject *tp = Py_TYPE(obj);
    if (tp != prog->types[e->obj] || tp->tp_version_tag != prog->tags[e->obj])
        prog_resolve(prog, e->obj, tp);
    return e->offset;
}

/* 1 with *out the value of text ``s`` (``n`` bytes) for reader ``read`` (a new reference; NULL
 * with an error set if it could not be made), or 0 for a text it leaves to the mapping:
 *   R_INT       optional '-' and 1..9 digits: int(raw), which is what INT's table and from_raw
 *               give, and INT_E's / INT_R's too (none of their unset texts has 9 digits or fewer)
 *   R_BOOL      "0", "1": False / True; "": False (BOOL's table)
 *   R_OPT_BOOL  "": None; "0", "1": False / True (OPT_BOOL's table) */
static int
read_text(int read, const char *s, Py_ssize_t n, PyObject **out)
{
    Py_ssize_t i = 0;
    long v = 0;
    switch (read) {
    case R_INT:
        if (n > 0 && s[0] == '-')
            i = 1;
        if (n - i < 1 || n - i > 9)
            return 0;
        for (; i < n; i++) {
            unsigned d = (unsigned)((unsigned char)s[i] - '0');
            if (d > 9)
                return 0;
            v = v * 10 + (long)d;
        }
        *out = PyLong_FromLong(s[0] == '-' ? -v : v);
        return 1;
    case R_BOOL:
    case R_OPT_BOOL:
        if (n == 0)
            *out = Py_NewRef(read == R_BOOL ? Py_False : Py_None);
        else if (n == 1 && (s[0] == '0' || s[0] == '1'))
            *out = Py_NewRef(s[0] == '1' ? Py_True : Py_False);
        else
            return 0;
        return 1;
    }
    return 0;
}

/* ``e->a[raw]`` (a new reference). A dict subclass such as step_compiler's _Table gets CPython's
 * generic mp_subscript, which looks __getitem__ up and calls it as a method per subscript (dict
 * defines it twice, as a slot and as a faster method, so a subclass cannot inherit the slot):
 * one lookup costs more than the rest of the field. While the mapping's type is the dict type
 * seen at Prog() and still leaves __getitem__ to dict, a hit is looked up directly; a miss (for
 * __missing__), and any other mapping, go through PyObject_GetItem. */
static PyObject *
conv_item(const ProgEntry *e, PyObject *raw)
{
    PyObject *conv = e->a, *v;
    if (Py_TYPE(conv) == e->conv_type && e->conv_type->tp_version_tag == e->conv_tag) {
        v = PyDict_GetItemWithError(conv, raw);
        if (v != NULL)
            return Py_NewRef(v);
        if (PyErr_Occurred())
            return NULL;
    }
    return PyObject_GetItem(conv, raw);
}

/* fields[i] (a new reference), as the subscript ``f[i]`` gives it for i >= 0 */
static PyObject *
field_at(PyObject *fields, Py_ssize_t i)
{
    if (PyList_CheckExact(fields)) {
        if (i >= PyList_GET_SIZE(fields)) {
            PyErr_SetString(PyExc_IndexError, "list index out of range");
            return NULL;
        }
        return Py_NewRef(PyList_GET_ITEM(fields, i));
    }
    return PySequence_GetItem(fields, i);
}

/* The value of F_LIST entry ``e`` whose first field ``raw`` is at ``cur``; *next the position
 * after it, or -1 when kind.decode read it (then ``r.pos`` tells, read after the store as the
 * Python lines do). The lines it stands for: "if f[cur] in _EMPTY: target = []; i = cur + 1",
 * "else: r.pos = cur; target = kind.decode(r, name, sv); i = r.pos". A tag=value text has no
 * such test in Python (``raw`` NULL: past the end, which kind.decode reports itself). */
static PyObject *
list_value(const ProgEntry *e, PyObject *raw, PyObject *reader, Py_ssize_t cur, Py_ssize_t *next)
{
    PyObject *at, *call[3];
    int rc;
    if (raw == NULL)
        goto decode;
    if (!PyBytes_CheckExact(raw)) {
        PyErr_SetString(PyExc_TypeError, "fill(): a count field is not bytes");
        return NULL;
    }
    if (PyBytes_GET_SIZE(raw) == 0 ||
        (e->read != L_TEXT_LIST && PyBytes_GET_SIZE(raw) == 1 && PyBytes_AS_STRING(raw)[0] == '0')) {
        *next = cur + 1;
        return e->read == L_PRESENT ? Py_NewRef(Py_None) : PyList_New(0);
    }
decode:
    *next = -1;
    at = PyLong_FromSsize_t(cur);
    if (at == NULL)
        return NULL;
    rc = PyObject_SetAttr(reader, str_pos, at);
    Py_DECREF(at);
    if (rc < 0)
        return NULL;
    call[0] = reader;
    call[1] = e->name;
    call[2] = e->c;
    return PyObject_Vectorcall(e->b, call, 3, NULL);
}

PyDoc_STRVAR(fill_doc,
"fill(objs, fields, pos, prog[, r]) -> int\n\n"
"Each entry of the fill Prog ``prog``, ``(obj_index, name, conv[, read])``, sets attribute\n"
"``name`` of ``objs[obj_index]`` from the next field, from ``fields[pos]`` on: to the field\n"
"decoded as strict UTF-8 (``conv`` None: what ``bytes.decode()`` gives) or to ``conv[field]``\n"
"(a mapping: a dict subclass's ``__missing__`` runs on a miss), except that ``read`` (FILL_INT,\n"
"FILL_BOOL, FILL_OPT_BOOL) reads the texts it knows itself (see _native.c: read_text). A\n"
"``name`` of None skips a field unread. With ``read`` FILL_LIST, FILL_PRESENT or\n"
"FILL_TEXT_LIST, ``conv`` is the pair (kind.decode, sv): an empty text is [] (None), any other\n"
"is ``kind.decode(r, name, sv)`` from ``r.pos`` = that field, and the fields go on at the new\n"
"``r.pos``. Returns the position after the last entry's fields. Any error propagates (a field\n"
"past the end: IndexError), the entries before it set.");

static PyObject *
native_fill(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *objs, *fields, *reader;
    ProgObject *prog;
    Py_ssize_t cur, j;
    if (nargs != 4 && nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "fill() takes 4 or 5 arguments (objs, fields, pos, prog[, r])");
        return NULL;
    }
    objs = args[0];
    fields = args[1];
    prog = (ProgObject *)args[3];
    reader = nargs == 5 ? args[4] : NULL;
    if (!PyTuple_Check(objs) || !Py_IS_TYPE(prog, &ProgType) || prog->emit || (prog->lists && reader == NULL)) {
        PyErr_SetString(PyExc_TypeError, "fill(): objs must be a tuple, prog a Prog of fill entries (with lists: "
                                         "and the reader)");
        return NULL;
    }
    cur = PyLong_AsSsize_t(args[2]);
    if (cur == -1 && PyErr_Occurred())
        return NULL;
    if (cur < 0) {
        PyErr_SetString(PyExc_ValueError, "fill(): pos must not be negative");
        return NULL;
    }
    for (j = 0; j < prog->n; j++) {
        ProgEntry *e = &prog->entries[j];
        PyObject *obj, *raw, *value;
        Py_ssize_t offset, next = cur + 1;
        if (e->code == F_SKIP) {
            cur++;
            continue;
        }
        if (e->obj >= PyTuple_GET_SIZE(objs)) {
            PyErr_SetString(PyExc_IndexError, "fill(): object index out of range");
            return NULL;
        }
        obj = PyTuple_GET_ITEM(objs, e->obj);
        if (e->read == L_TEXT_LIST && PyList_CheckExact(fields) && cur >= PyList_GET_SIZE(fields))
            raw = NULL;
        else if ((raw = field_at(fields, cur)) == NULL)
            return NULL;
        value = NULL;
        if (e->code == F_LIST)
            value = list_value(e, raw, reader, cur, &next);
        else if (e->read != R_NONE && PyBytes_CheckExact(raw) &&
                 read_text(e->read, PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &value))
            ; /* read here (value NULL: an error is set) */
        else if (e->code == F_CONV)
            value = conv_item(e, raw);
        else if (PyBytes_CheckExact(raw))
            value = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), NULL);
        else
            PyErr_SetString(PyExc_TypeError, "fill(): a text field is not bytes");
        Py_XDECREF(raw);
        if (value == NULL)
            return NULL;
        /* looked up after the conversion, which may have run Python code */
        offset = entry_offset(prog, e, obj);
        if (offset >= 0) {
            PyObject **slot = (PyObject **)((char *)obj + offset);
            PyObject *old = *slot;
            *slot = value; /* steals the reference */
            Py_XDECREF(old);
        }
        else {
            int rc = PyObject_SetAttr(obj, e->name, value);
            Py_DECREF(value);
            if (rc < 0)
                return NULL;
        }
        if (next < 0) { /* where kind.decode stopped */
            PyObject *at = PyObject_GetAttr(reader, str_pos);
            if (at == NULL)
                return NULL;
            next = PyLong_AsSsize_t(at);
            Py_DECREF(at);
            if (next == -1 && PyErr_Occurred())
                return NULL;
            if (next < 0) {
                PyErr_SetString(PyExc_ValueError, "fill(): the reader's position is negative");
                return NULL;
            }
        }
        cur = next;
    }
    return PyLong_FromSsize_t(cur);
}

/* The text of ``v`` for emit entry ``e`` (a new reference), or NULL with an error set. */
static PyObject *
emit_text(const ProgEntry *e, PyObject *v)
{
    int truth;
    switch (e->code) {
    case E_INT_UNSET:
        if (v == Py_None)
            return Py_NewRef(e->a);
        /* fall through */
    case E_INT:
        if (PyLong_CheckExact(v))
            return int_text(v);
        return PyObject_CallOneArg(e->b, v);
    case E_STR:
        if (PyUnicode_CheckExact(v)) {
            Py_ssize_t at = PyUnicode_FindChar(v, 0, 0, PyUnicode_GET_LENGTH(v), 1);
            if (at == -2)
                return NULL;
            if (at == -1)
                return Py_NewRef(v);
        }
        return PyObject_CallOneArg(e->b, v);
    case E_OPT_BOOL:
        if (v == Py_None)
            return Py_NewRef(text_empty);
        /* fall through */
    case E_BOOL:
        truth = PyObject_IsTrue(v);
        if (truth < 0)
            return NULL;
        return Py_NewRef(truth ? text_one : text_zero);
    case E_DEC:
        if (v == Py_None)
            return Py_NewRef(e->a);
        if ((PyObject *)Py_TYPE(v) == e->c)
            return PyObject_Str(v);
        return PyObject_CallOneArg(e->b, v);
    case E_NUM:
        if (v == Py_None && e->a != Py_None)
            return Py_NewRef(e->a);
        if (PyFloat_CheckExact(v) && isfinite(PyFloat_AS_DOUBLE(v)))
            return PyObject_Repr(v);
        return PyObject_CallOneArg(e->b, v);
    default: /* E_CALL */
        if (v == Py_None && e->a != Py_None)
            return Py_NewRef(e->a);
        return PyObject_CallOneArg(e->b, v);
    }
}

PyDoc_STRVAR(emit_doc,
"emit(objs, prog, out) -> None\n\n"
"Append to the list ``out`` one text per entry ``(obj_index, name, code, a, b)`` of the emit\n"
"Prog ``prog``: attribute ``name`` of ``objs[obj_index]`` written as step_compiler's expression\n"
"for ``code`` writes it; EMIT_CONST appends ``a`` and reads nothing; EMIT_LIST / EMIT_PRESENT\n"
"call ``encode(v, sv, out)`` (``b`` the pair (encode, sv)) unless ``v`` is falsy / None, then\n"
"append ``a``. Any error propagates, the texts before it appended.");

/* Room for ``n`` more items in list ``out``: a run's texts would otherwise grow an encoder's fresh
 * list a dozen times. The allocation is grown as list_resize grows it (PyMem_Realloc of
 * ob_item, with an eighth more), keeping 0 <= len(out) <= allocated. 0, or -1 with an error set. */
static int
list_reserve(PyObject *out, Py_ssize_t n)
{
    PyListObject *list = (PyListObject *)out;
    Py_ssize_t want = Py_SIZE(list) + n;
    PyObject **items;
    if (list->allocated >= want)
        return 0;
    want += want >> 3;
    if ((size_t)want > PY_SSIZE_T_MAX / sizeof(PyObject *)) {
        PyErr_NoMemory();
        return -1;
    }
    items = (PyObject **)PyMem_Realloc(list->ob_item, (size_t)want * sizeof(PyObject *));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    list->ob_item = items;
    list->allocated = want;
    return 0;
}

static PyObject *
native_emit(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *objs, *out;
    ProgObject *prog;
    Py_ssize_t j;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "emit() takes 3 arguments (objs, prog, out)");
        return NULL;
    }
    objs = args[0];
    prog = (ProgObject *)args[1];
    out = args[2];
    if (!PyTuple_Check(objs) || !Py_IS_TYPE(prog, &ProgType) || !prog->emit || !PyList_Check(out)) {
        PyErr_SetString(PyExc_TypeError, "emit(): objs must be a tuple, prog a Prog of emit entries, out a list");
        return NULL;
    }
    if (list_reserve(out, prog->n) < 0)
        return NULL;
    for (j = 0; j < prog->n; j++) {
        ProgEntry *e = &prog->entries[j];
        PyObject *obj, *v = NULL, *text;
        Py_ssize_t offset;
        int rc;
        if (e->code == E_CONST) {
            if (PyList_Append(out, e->a) < 0)
                return NULL;
            continue;
        }
        if (e->obj >= PyTuple_GET_SIZE(objs)) {
            PyErr_SetString(PyExc_IndexError, "emit(): object index out of range");
            return NULL;
        }
        obj = PyTuple_GET_ITEM(objs, e->obj);
        offset = entry_offset(prog, e, obj);
        if (offset >= 0)
            v = Py_XNewRef(*(PyObject **)((char *)obj + offset));
        if (v == NULL)
            v = PyObject_GetAttr(obj, e->name); /* also raises for an empty slot */
        if (v == NULL)
            return NULL;
        if (e->code == E_LIST || e->code == E_PRESENT) {
            /* the lines "if v: kind.encode(v, sv, out)" / "else: out.append(a)" (E_PRESENT:
             * "if v is None: out.append(a)" / "else: kind.encode(v, sv, out)") */
            int full = e->code == E_LIST ? PyObject_IsTrue(v) : v != Py_None;
            if (full > 0) {
                PyObject *call[3] = {v, e->c, out};
                PyObject *r = PyObject_Vectorcall(e->b, call, 3, NULL);
                if (r == NULL)
                    full = -1;
                Py_XDECREF(r);
            }
            else if (full == 0 && PyList_Append(out, e->a) < 0)
                full = -1;
            Py_DECREF(v);
            if (full < 0)
                return NULL;
            continue;
        }
        text = emit_text(e, v);
        Py_DECREF(v);
        if (text == NULL)
            return NULL;
        rc = PyList_Append(out, text);
        Py_DECREF(text);
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* Prog(entries): entries all fill entries (3-tuples) or all emit entries (5-tuples). */

static int
prog_fill_entry(ProgEntry *e, PyObject *spec, int emit)
{
    long obj, code;
    PyObject *name;
    if (!PyTuple_Check(spec) ||
        (emit ? PyTuple_GET_SIZE(spec) != 5 : PyTuple_GET_SIZE(spec) != 3 && PyTuple_GET_SIZE(spec) != 4)) {
        PyErr_SetString(PyExc_TypeError, "Prog(): entries are all (obj_index, name, conv[, read]) or all "
                                         "(obj_index, name, code, a, b)");
        return -1;
    }
    e->offset = -1;
    obj = PyLong_AsLong(PyTuple_GET_ITEM(spec, 0));
    if (obj == -1 && PyErr_Occurred())
        return -1;
    if (obj < 0 || obj >= MAX_OBJS) {
        PyErr_Format(PyExc_ValueError, "Prog(): object index %ld is outside 0..%d", obj, MAX_OBJS - 1);
        return -1;
    }
    e->obj = (int)obj;
    name = PyTuple_GET_ITEM(spec, 1);
    if (emit) {
        code = PyLong_AsLong(PyTuple_GET_ITEM(spec, 2));
        if (code == -1 && PyErr_Occurred())
            return -1;
        if (code < E_CONST || code > E_PRESENT) {
            PyErr_Format(PyExc_ValueError, "Prog(): unknown emit code %ld", code);
            return -1;
        }
        e->code = (int)code;
        e->a = Py_NewRef(PyTuple_GET_ITEM(spec, 3));
        if (code == E_CONST)
            return 0;
        if ((code == E_INT_UNSET || code == E_DEC) && !PyUnicode_Check(e->a)) {
            PyErr_SetString(PyExc_TypeError, "Prog(): this code needs the unset text as a");
            return -1;
        }
        if (code == E_DEC) {
            PyObject *pair = PyTuple_GET_ITEM(spec, 4);
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyType_Check(PyTuple_GET_ITEM(pair, 0))) {
                PyErr_SetString(PyExc_TypeError, "Prog(): a DEC entry's b is (Decimal, to_text)");
                return -1;
            }
            e->c = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
            e->b = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
        }
        else if (code == E_LIST || code == E_PRESENT) {
            PyObject *pair = PyTuple_GET_ITEM(spec, 4);
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyLong_CheckExact(PyTuple_GET_ITEM(pair, 1)) ||
                !PyUnicode_Check(e->a)) {
                PyErr_SetString(PyExc_TypeError, "Prog(): a LIST / PRESENT entry's a is the empty text, b (encode, sv)");
                return -1;
            }
            e->b = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
            e->c = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
        }
        else
            e->b = Py_NewRef(PyTuple_GET_ITEM(spec, 4));
        if (code != E_BOOL && code != E_OPT_BOOL && !PyCallable_Check(e->b)) {
            PyErr_SetString(PyExc_TypeError, "Prog(): this code needs the kind's to_text as b");
            return -1;
        }
    }
    else if (name == Py_None) {
        e->code = F_SKIP;
        return 0;
    }
    else {
        PyObject *conv = PyTuple_GET_ITEM(spec, 2);
        e->code = conv == Py_None ? F_TEXT : F_CONV;
        if (conv != Py_None)
            e->a = Py_NewRef(conv);
        if (PyDict_Check(conv)) {
            PyTypeObject *tp = Py_TYPE(conv);
            PyObject *getitem = _PyType_Lookup(tp, str_getitem); /* gives tp a version tag */
            if (getitem != NULL && getitem == _PyType_Lookup(&PyDict_Type, str_getitem) && tp->tp_version_tag != 0) {
                e->conv_type = (PyTypeObject *)Py_NewRef(tp);
                e->conv_tag = tp->tp_version_tag;
            }
        }
        if (PyTuple_GET_SIZE(spec) == 4) {
            long read = PyLong_AsLong(PyTuple_GET_ITEM(spec, 3));
            if (read == -1 && PyErr_Occurred())
                return -1;
            if (read >= L_LIST && read <= L_TEXT_LIST) {
                if (!PyTuple_Check(conv) || PyTuple_GET_SIZE(conv) != 2 || !PyLong_CheckExact(PyTuple_GET_ITEM(conv, 1))) {
                    PyErr_SetString(PyExc_TypeError, "Prog(): a list entry's conv is (decode, sv)");
                    return -1;
                }
                e->code = F_LIST;
                e->b = Py_NewRef(PyTuple_GET_ITEM(conv, 0));
                e->c = Py_NewRef(PyTuple_GET_ITEM(conv, 1));
            }
            else if (read < R_NONE || read > R_OPT_BOOL || (read != R_NONE && conv == Py_None)) {
                PyErr_SetString(PyExc_ValueError, "Prog(): an unknown reader, or a reader without a mapping");
                return -1;
            }
            e->read = (int)read;
        }
    }
    if (!PyUnicode_CheckExact(name)) {
        PyErr_SetString(PyExc_TypeError, "Prog(): an attribute name must be a str");
        return -1;
    }
    e->name = Py_NewRef(name);
    PyUnicode_InternInPlace(&e->name);
    return 0;
}

static PyObject *
prog_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *entries;
    ProgObject *prog;
    Py_ssize_t j, n;
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) != 0) || !PyArg_ParseTuple(args, "O!:Prog", &PyTuple_Type, &entries)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Prog() takes one tuple of entries");
        return NULL;
    }
    n = PyTuple_GET_SIZE(entries);
    prog = (ProgObject *)type->tp_alloc(type, 0);
    if (prog == NULL)
        return NULL;
    prog->entries = PyMem_Calloc((size_t)(n > 0 ? n : 1), sizeof(ProgEntry));
    if (prog->entries == NULL) {
        Py_DECREF(prog);
        return PyErr_NoMemory();
    }
    prog->emit = n > 0 && PyTuple_Check(PyTuple_GET_ITEM(entries, 0)) && PyTuple_GET_SIZE(PyTuple_GET_ITEM(entries, 0)) == 5;
    for (j = 0; j < n; j++) {
        prog->n = j + 1; /* what dealloc releases */
        if (prog_fill_entry(&prog->entries[j], PyTuple_GET_ITEM(entries, j), prog->emit) < 0) {
            Py_DECREF(prog);
            return NULL;
        }
        if (prog->entries[j].code == F_LIST)
            prog->lists = 1;
    }
    return (PyObject *)prog;
}

static int
prog_traverse(ProgObject *prog, visitproc visit, void *arg)
{
    Py_ssize_t j;
    int k;
    for (j = 0; j < prog->n; j++) {
        Py_VISIT(prog->entries[j].a);
        Py_VISIT(prog->entries[j].b);
        Py_VISIT(prog->entries[j].c);
        Py_VISIT(prog->entries[j].conv_type);
    }
    for (k = 0; k < MAX_OBJS; k++)
        Py_VISIT(prog->types[k]);
    return 0;
}

static int
prog_clear(ProgObject *prog)
{
    Py_ssize_t j;
    int k;
    for (j = 0; j < prog->n; j++) {
        ProgEntry *e = &prog->entries[j];
        Py_CLEAR(e->name);
        Py_CLEAR(e->a);
        Py_CLEAR(e->b);
        Py_CLEAR(e->c);
        Py_CLEAR(e->conv_type);
        e->offset = -1;
    }
    for (k = 0; k < MAX_OBJS; k++) {
        Py_CLEAR(prog->types[k]);
        prog->tags[k] = 0;
    }
    prog->n = 0; /* an empty run from now on, never one with NULL entries */
    return 0;
}

static void
prog_dealloc(ProgObject *prog)
{
    PyObject_GC_UnTrack(prog);
    prog_clear(prog);
    PyMem_Free(prog->entries);
    Py_TYPE(prog)->tp_free((PyObject *)prog);
}

static Py_ssize_t
prog_length(ProgObject *prog)
{
    return prog->n;
}

static PySequenceMethods prog_as_sequence = {
    .sq_length = (lenfunc)prog_length,
};

PyDoc_STRVAR(prog_doc,
"Prog(entries): one run of fields for fill() (entries (obj_index, name, conv[, read])) or emit()\n"
"(entries (obj_index, name, code, a, b); for EMIT_DEC, b is (Decimal, to_text)), compiled once.");

static PyTypeObject ProgType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ibkr.protocol._native.Prog",
    .tp_basicsize = sizeof(ProgObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = prog_doc,
    .tp_new = prog_new,
    .tp_dealloc = (destructor)prog_dealloc,
    .tp_traverse = (traverseproc)prog_traverse,
    .tp_clear = (inquiry)prog_clear,
    .tp_as_sequence = &prog_as_sequence,
};

static PyMethodDef native_methods[] = {
    {"fill", (PyCFunction)(void (*)(void))native_fill, METH_FASTCALL, fill_doc},
    {"emit", (PyCFunction)(void (*)(void))native_emit, METH_FASTCALL, emit_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ibkr.protocol._native",
    .m_doc = "The optional compiled decoder of ibkr's hot server messages and the run helpers of the "
             "step-compiled order codecs (see native.py, messages/step_compiler.py).",
    .m_size = -1,
    .m_methods = native_methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    PyObject *m;
#if defined(__GLIBC__)
    if (c_locale == (locale_t)0)
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); /* on failure: PyOS_string_to_double */
#endif
    if (text_one == NULL) {
        text_one = PyUnicode_InternFromString("1");
        text_zero = PyUnicode_InternFromString("0");
        text_empty = PyUnicode_InternFromString("");
        str_getitem = PyUnicode_InternFromString("__getitem__");
        str_pos = PyUnicode_InternFromString("pos");
        if (text_one == NULL || text_zero == NULL || text_empty == NULL || str_getitem == NULL || str_pos == NULL)
            return NULL;
    }
    if (PyType_Ready(&PlanType) < 0 || PyType_Ready(&ProgType) < 0)
        return NULL;
    m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&PlanType);
    Py_INCREF(&ProgType);
    if (PyModule_AddObject(m, "Plan", (PyObject *)&PlanType) < 0 ||
        PyModule_AddObject(m, "Prog", (PyObject *)&ProgType) < 0 ||
        PyModule_AddIntConstant(m, "SKIP", K_SKIP) < 0 || PyModule_AddIntConstant(m, "VERSION", K_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "INT", K_INT) < 0 || PyModule_AddIntConstant(m, "FLOAT", K_FLOAT) < 0 ||
        PyModule_AddIntConstant(m, "SIZE", K_SIZE) < 0 || PyModule_AddIntConstant(m, "STR", K_STR) < 0 ||
        PyModule_AddIntConstant(m, "BOOL01", K_BOOL01) < 0 || PyModule_AddIntConstant(m, "CALL", K_CALL) < 0 ||
        PyModule_AddIntConstant(m, "MAX_FIELDS", MAX_FIELDS) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_CONST", E_CONST) < 0 || PyModule_AddIntConstant(m, "EMIT_INT", E_INT) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_INT_UNSET", E_INT_UNSET) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_STR", E_STR) < 0 || PyModule_AddIntConstant(m, "EMIT_BOOL", E_BOOL) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_OPT_BOOL", E_OPT_BOOL) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_DEC", E_DEC) < 0 || PyModule_AddIntConstant(m, "EMIT_NUM", E_NUM) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_CALL", E_CALL) < 0 || PyModule_AddIntConstant(m, "EMIT_LIST", E_LIST) < 0 ||
        PyModule_AddIntConstant(m, "EMIT_PRESENT", E_PRESENT) < 0 || PyModule_AddIntConstant(m, "FILL_INT", R_INT) < 0 ||
        PyModule_AddIntConstant(m, "FILL_BOOL", R_BOOL) < 0 ||
        PyModule_AddIntConstant(m, "FILL_OPT_BOOL", R_OPT_BOOL) < 0 ||
        PyModule_AddIntConstant(m, "FILL_LIST", L_LIST) < 0 || PyModule_AddIntConstant(m, "FILL_PRESENT", L_PRESENT) < 0 ||
        PyModule_AddIntConstant(m, "FILL_TEXT_LIST", L_TEXT_LIST) < 0) {
        Py_DECREF(&PlanType);
        Py_DECREF(&ProgType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
