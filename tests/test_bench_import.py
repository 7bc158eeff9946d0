"""benchmarks/bench_import.py runs (#30): its probe of the heavy modules loaded by ``import gklib``."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "benchmarks" / "bench_import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_probe_sees_no_heavy_module():
    bench = _bench()
    loaded = bench.loaded_by_gklib()
    assert set(loaded) == {"matplotlib.pyplot", "IPython", "ipywidgets", "scipy.optimize"}
    assert not any(loaded.values()), loaded


def test_bench_times_an_import():
    assert 0 < _bench().time_import("json") < 60
