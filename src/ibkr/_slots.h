/*
 * Shared by the compiled modules that read and write __slots__ attributes at their offsets
 * (ibkr/_fastpath.c, ibkr/protocol/_tickenc.c): where a class keeps one attribute.
 */
#ifndef IBKR_SLOTS_H
#define IBKR_SLOTS_H

#include <Python.h>
#include <structmember.h>

/* the object at byte offset ``off`` of ``obj`` (a slot; NULL when the attribute is unset) */
#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

/* The offset of the writable object slot ``name`` of ``tp`` (a __slots__ entry, found as
 * attribute lookup finds it), or -1 with a TypeError set. */
static Py_ssize_t
slot_of(PyTypeObject *tp, const char *name)
{
    PyObject *key = PyUnicode_InternFromString(name), *descr;
    PyMemberDef *m;
    if (key == NULL)
        return -1;
    descr = _PyType_Lookup(tp, key);
    Py_DECREF(key);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", tp->tp_name, name);
        return -1;
    }
    m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX || m->flags != 0) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not a writable object slot", tp->tp_name, name);
        return -1;
    }
    return m->offset;
}

#endif
