"""Stand-in for opentelemetry-semantic-conventions (absent from the package index): names only."""
import importlib.abc
import importlib.machinery
import sys
import types


class _Name(str):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Name(name.lower().replace("_", "."))

    def __call__(self, *args, **kwargs):
        return None


def _module_getattr(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Name(name.lower().replace("_", "."))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(__name__ + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = _module_getattr
        return module

    def exec_module(self, module):
        pass


__getattr__ = _module_getattr
sys.meta_path.append(_Finder())
