"""Run by the artifact test under another interpreter, with nothing but the built artifacts and the
runtime's botocore on sys.path (as Lambda lays them out), this imports the handler and prints, as
JSON, where each module came from and which ones had to be compiled from source.

argv: the function's directory, the layer's python/ directory, the stand-in for the runtime's
packages. Run it with -S -I so no site-packages or environment variable leaks in.
"""

import importlib.machinery
import json
import sys
import time

function_dir, layer_dir, runtime_dir = sys.argv[1:4]
sys.path[:0] = [function_dir, layer_dir, runtime_dir]
sys.dont_write_bytecode = True  # the artifacts stay as built

compiled_from_source = []
_source_to_code = importlib.machinery.SourceFileLoader.source_to_code


def _recording_source_to_code(self, data, path, *args, **kwargs):  # type: ignore[no-untyped-def]
    # Called only when no valid cached bytecode was found for `path`.
    compiled_from_source.append(str(path))
    return _source_to_code(self, data, path, *args, **kwargs)


importlib.machinery.SourceFileLoader.source_to_code = _recording_source_to_code  # type: ignore[method-assign]

started = time.perf_counter()
import app  # noqa: E402,F401

init_ms = (time.perf_counter() - started) * 1000
# VmHWM, not getrusage: Linux carries ru_maxrss over from the parent across fork and exec.
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
modules = {
    name: getattr(module, "__file__", None) or ""
    for name, module in sorted(sys.modules.items())
    if module is not None
}
print(
    json.dumps(
        {
            "python": list(sys.version_info[:3]),
            "modules": modules,
            "compiled_from_source": compiled_from_source,
            "init_ms": round(init_ms, 1),
            "max_rss_kb": peak_kb,
        }
    )
)
