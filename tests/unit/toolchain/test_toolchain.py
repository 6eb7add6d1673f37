"""The offline toolchain: the WebAssembly solc presented as a native one, and pinned versions that agree."""

import json
import subprocess

import yaml

from bulwark import PROJECT_ROOT
from bulwark.toolchain import TOOLCHAIN_BIN, WASM_WRAPPER, pinned_solc_version, reported_version


def run_wrapper(*args, stdin=None):
    return subprocess.run(
        ["node", str(WASM_WRAPPER), *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_wrapper_answers_version_in_native_format():
    """py-solc-x and forge parse `solc --version`; the wrapper must look like a Linux build."""
    out = run_wrapper("--version")
    assert out.returncode == 0
    assert f"Version: {pinned_solc_version()}+commit." in out.stdout
    assert out.stdout.rstrip().endswith(".Linux.g++")


def test_wrapper_writes_outputs_larger_than_a_pipe_buffer_whole():
    """A full-output compile of ERC20 is far beyond 64 KiB and must arrive as one valid JSON."""
    source = (
        f"pragma solidity {pinned_solc_version()};\n"
        'import "@openzeppelin/contracts/token/ERC20/ERC20.sol";\n'
        'contract T is ERC20 { constructor() ERC20("t", "t") {} }\n'
    )
    request = {
        "language": "Solidity",
        "sources": {"T.sol": {"content": source}},
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "outputSelection": {"*": {"*": ["*"], "": ["ast"]}},
        },
    }
    out = run_wrapper("--standard-json", "--base-path", str(PROJECT_ROOT), stdin=json.dumps(request))
    assert out.returncode == 0, out.stderr
    assert len(out.stdout) > 64 * 1024
    result = json.loads(out.stdout)
    assert not [e for e in result.get("errors", []) if e["severity"] == "error"]
    assert result["contracts"]["T.sol"]["T"]["evm"]["bytecode"]["object"]


def test_wrapper_rejects_unknown_arguments_in_one_line():
    """Anything but the two supported calls fails loudly instead of compiling something else."""
    out = run_wrapper("--optimize", "X.sol")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert "unsupported argument '--optimize'" in out.stderr


def test_compilers_in_every_tool_are_the_pinned_one():
    """ape-solidity, forge/Slither and the npm package all use the one compiler package.json pins."""
    version = pinned_solc_version()
    ape_config = yaml.safe_load((PROJECT_ROOT / "ape-config.yaml").read_text())
    assert str(ape_config["solidity"]["version"]) == version
    assert reported_version(TOOLCHAIN_BIN / "solc") == version
    installed = json.loads((PROJECT_ROOT / "node_modules/solc/package.json").read_text())["version"]
    assert installed == version


def test_openzeppelin_dependency_matches_the_installed_package():
    """Ape resolves the npm dependency only when its configured version equals the installed one."""
    ape_config = yaml.safe_load((PROJECT_ROOT / "ape-config.yaml").read_text())
    [dep] = [d for d in ape_config["dependencies"] if d["name"] == "openzeppelin"]
    package = PROJECT_ROOT / "node_modules/@openzeppelin/contracts/package.json"
    installed = json.loads(package.read_text())["version"]
    assert str(dep["version"]) == installed
    assert f"@openzeppelin/contracts=openzeppelin/{installed}" in ape_config["solidity"]["import_remapping"]


def test_foundry_binaries_are_native_and_report_failure():
    """The npm launchers exit 0 even when forge fails; the linked native forge must not."""
    forge = TOOLCHAIN_BIN / "forge"
    assert forge.resolve().read_bytes()[:4] == b"\x7fELF"
    out = subprocess.run([str(forge), "--no-such-flag"], capture_output=True, timeout=60)
    assert out.returncode != 0


def test_project_is_not_inside_apes_scratch_space():
    """Ape compiles in place (and then finds "nothing to compile") in a project under the temp dir;
    make points TMPDIR into the project so clean clones under /tmp build too."""
    import tempfile
    from pathlib import Path

    scratch = Path(tempfile.gettempdir()).resolve()
    assert scratch != PROJECT_ROOT and scratch not in PROJECT_ROOT.parents
    assert not (PROJECT_ROOT / "contracts" / ".cache").exists()
