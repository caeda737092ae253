"""Loading the versioned YAML that holds gistpath's numbers and rules.

The lowest layer: any package may read its own YAML through :func:`load_yaml`; the files are
parsed once per process and returned as read-only data.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from gistpath.errors import KnowledgeError


@cache
def load_yaml(package: str, name: str) -> Any:
    """Parse ``name`` shipped inside ``package`` (for example ``gistpath.imaging``)."""
    try:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KnowledgeError(f"knowledge file {package}/{name} is missing") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"knowledge file {package}/{name} is not valid YAML: {exc}") from exc


def require_sources(data: dict[str, Any], where: str) -> None:
    """Fail loudly if a ``source`` in ``data`` cites an id that is neither in ``data['sources']``
    nor in the evidence registry (``evidence.yaml``)."""
    from gistpath.knowledge.evidence import evidence_registry

    known = set(data.get("sources", {})) | set(evidence_registry())

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "source":
                    ids = [value] if isinstance(value, str) else list(value)
                    for sid in ids:
                        if sid not in known:
                            raise KnowledgeError(f"{where}: {path}.source cites unknown {sid!r}")
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk({k: v for k, v in data.items() if k != "sources"}, "")
