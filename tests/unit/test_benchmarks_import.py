"""`make bench` is not run by the test suite (it takes minutes), so a rename in the cog could break it
unseen: every name the benchmarks import from unicornia, at the top or inside a function, must exist."""
import ast
import importlib
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_every_name_the_benchmarks_import_from_unicornia_exists():
    missing = []
    for path in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("unicornia"):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{alias.name}" for alias in node.names
                            if not hasattr(module, alias.name)]
    assert not missing, missing


def test_the_benchmark_modules_import():
    for path in sorted(BENCHMARKS.glob("*.py")):
        if path.stem != "__main__":
            importlib.import_module(f"benchmarks.{path.stem}")
