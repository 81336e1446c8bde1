"""Build script for the one part pyproject.toml cannot declare: the optional compiled extensions.

``ibkr.protocol._native`` is the compiled decoder, ``ibkr.protocol._tickenc`` the compiled encoder of
the server role's tick messages; ``ibkr._fastpath`` the client's dispatch loop and the data stream's
L1 update. ``optional=True``: where an extension cannot be built (no C compiler,
no Python headers), the install goes on without it and ibkr runs that part in pure Python
(``ibkr.protocol.native.AVAILABLE``, ``ibkr.fastpath.AVAILABLE``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ibkr.protocol._native",
            ["src/ibkr/protocol/_native.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "ibkr.protocol._tickenc",
            ["src/ibkr/protocol/_tickenc.c"],
            depends=["src/ibkr/_slots.h"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "ibkr._fastpath",
            ["src/ibkr/_fastpath.c"],
            depends=["src/ibkr/_slots.h"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
