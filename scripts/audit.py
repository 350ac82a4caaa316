"""Known vulnerabilities in the installed dependencies, checked with pip-audit.

Fails (exit 1) when pip-audit reports a vulnerability in a package the platform installs for which
a fixed release exists (upgrade it); one with no fixed release yet is printed, not failed, as
there is nothing to upgrade to.
When the vulnerability data cannot be reached (a machine whose network does not resolve
api.osv.dev and whose package index has no per-version JSON, as CI's here), nothing was
checked: the script says so loudly, names how many packages went unchecked and exits 0, unless
``ONESTOP_AUDIT_REQUIRED=1`` (production CI with network), where an unchecked run fails too.

    .venv/bin/python scripts/audit.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def run_pip_audit(service: str, report: Path) -> subprocess.CompletedProcess[str]:
    pip_audit = os.environ.get("ONESTOP_PIP_AUDIT") or str(
        Path(sys.executable).with_name("pip-audit")
    )
    return subprocess.run(
        [
            pip_audit,
            "--vulnerability-service",
            service,
            "--skip-editable",  # the project itself is not on PyPI
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def audit(service: str) -> tuple[list[dict], list[dict], int] | None:
    """(vulnerable packages, unchecked packages, packages); None when the service did not answer."""
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "audit.json"
        done = run_pip_audit(service, report)
        if not report.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"  {service}: no answer ({last[:200]})")
            return None
        dependencies = json.loads(report.read_text())["dependencies"]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    unchecked = [dep for dep in dependencies if "skip_reason" in dep]
    print(
        f"  {service}: {len(dependencies)} packages, {len(dependencies) - len(unchecked)} checked, "
        f"{len(vulnerable)} vulnerable"
    )
    return vulnerable, unchecked, len(dependencies)


def main() -> int:
    required = os.environ.get("ONESTOP_AUDIT_REQUIRED") == "1"
    for service in ("osv", "pypi"):
        result = audit(service)
        if result is None:
            continue
        vulnerable, unchecked, total = result
        if len(unchecked) == total:
            continue  # this service knew none of them: try the next
        fixable = 0
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or [])
                fixable += bool(fixed)
                where = f"fixed in {fixed}" if fixed else "no fixed release yet"
                print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} ({where})")
        for dep in unchecked:
            print(f"unchecked: {dep['skip_reason']}")
        if fixable or (unchecked and required):
            return 1
        if vulnerable:
            print("no vulnerability that a fixed release would remove")
        else:
            print("no known vulnerabilities in the checked dependencies")
        return 0
    print(
        "NOT CHECKED: no vulnerability service answered for the installed packages "
        "(api.osv.dev unreachable, the index serves no per-version JSON)."
    )
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main())
