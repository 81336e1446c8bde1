"""Build script for the one part pyproject.toml cannot declare: the optional compiled decoder.

``optional=True``: where the extension cannot be built (no C compiler, no Python headers), the
install goes on without it and ibkr decodes in pure Python (``ibkr.protocol.native.AVAILABLE``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ibkr.protocol._native",
            ["src/ibkr/protocol/_native.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
