import subprocess
import sys

from click.testing import CliRunner

from conftest import ROOT, SAMPLE
from custseg.cli import main


def test_python_api_example_runs():
    res = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python_api.py"), str(SAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "repeat buyers" in res.stdout


def test_example_rule_table_loads_and_segments():
    res = CliRunner().invoke(
        main, ["rfm", str(SAMPLE), "--rules", str(ROOT / "examples" / "vip_rules.toml"), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert '"vip"' in res.stdout and '"repeat"' in res.stdout


def test_old_module_names_still_import_with_a_warning():
    import importlib
    import sys

    import pytest

    sys.modules.pop("custseg.load", None)
    with pytest.warns(DeprecationWarning, match="custseg.load moved to custseg.orders.load"):
        old = importlib.import_module("custseg.load")
    from custseg.orders import load

    assert old is load
