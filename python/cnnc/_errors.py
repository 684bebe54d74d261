"""The exceptions of the package."""


class Error(Exception):
    """A misuse of the API or a failure of the runtime: wrong inputs (count,
    name, shape, dtype), a file that is not a compiled model, a model built
    for CPU features this machine lacks, ... The message says what and
    where."""


class CompileError(Error):
    """cnnc refused or failed to compile a model. The message is cnnc's own
    diagnostic text (file:line:col: error: ...)."""


class CompileWarning(UserWarning):
    """A warning cnnc printed while compiling a model that it compiled all
    the same (an input element a strided conv never reads, an unused
    input, ...). warnings.simplefilter("ignore", cnnc.CompileWarning)
    silences them."""
