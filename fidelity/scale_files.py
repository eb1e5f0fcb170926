"""Reading a scale from a file or uploaded bytes (YAML or XLSX), with every problem named by where and what.

A scale that `extends` another is resolved against its base: beside the file or among the published
scales for files on disk, or whatever `base_for` finds (the database's published scales, for uploads).
No database and no Streamlit.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fidelity import scale_workbook
from fidelity.scale_workbook import Loc, ScaleSource
from fidelity.scales import Scale, ScaleFileError

SCALE_FILE_LIMIT = 2_000_000  # bytes of an uploaded scale file, YAML or XLSX
YAML_SUFFIXES = (".yaml", ".yml")

BaseLookup = Callable[[str, str], Scale]
"""(id, version) -> the base scale of an overlay; raises ScaleFileError naming what is missing."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_source(name: str, content: bytes) -> ScaleSource:
    try:
        text = content.decode("utf-8")
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
        nodes = yaml.compose(text, Loader=_UniqueKeyLoader)
    except UnicodeDecodeError as error:
        raise ScaleFileError(f"{name}: not UTF-8 text (byte {error.start}); save the file as UTF-8") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScaleFileError(f"{name}: not valid YAML{where}: {problem}") from error
    if not isinstance(raw, dict):
        raise ScaleFileError(f"{name}: a scale file must be a mapping with id, version, items ...")
    return ScaleSource(name=name, raw=raw, locate=functools.partial(_line, nodes), fingerprint=content)


def _line(node: yaml.Node | None, loc: Loc) -> str | None:
    """'line N' (1-based) of the deepest key or list entry along `loc` that the file has."""
    line = None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            key, node = next(((k, v) for k, v in node.value if str(k.value) == str(step)), (None, None))
            if key is not None:
                line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return None if line is None else f"line {line}"


def yaml_text(raw: dict[str, Any]) -> bytes:
    """A scale's mapping as a YAML file, keys in the order given."""
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110).encode("utf-8")


def read_source(name: str, content: bytes) -> ScaleSource:
    """A scale file's contents as a mapping, whichever format it is in (by the name's suffix)."""
    suffix = Path(name).suffix.lower()
    if len(content) > SCALE_FILE_LIMIT:
        raise ScaleFileError(
            f"{name}: the file is {len(content):,} bytes; a scale file is at most {SCALE_FILE_LIMIT:,}"
        )
    if suffix in YAML_SUFFIXES:
        return _yaml_source(name, content)
    if suffix == ".xlsx":
        return scale_workbook.read_workbook(name, content)
    raise ScaleFileError(f"{name}: a scale file is YAML (.yaml or .yml) or a workbook (.xlsx)")


def _where(raw: dict[str, Any], loc: Loc) -> str:
    """Turn a validation location into words: items[3] becomes 'item 4 (team_assignment)'."""
    parts: list[str] = []
    node: Any = raw
    for index, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and index > 0 and loc[index - 1] == "items":
            entry = node[step] if step < len(node) else {}
            number = entry.get("number", step + 1) if isinstance(entry, dict) else step + 1
            ident = entry.get("id") if isinstance(entry, dict) else None
            parts[-1] = f"item {number}" + (f" ({ident})" if ident else "")
        elif isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts).replace(".[", "[")


def _format_errors(
    name: str, raw: dict[str, Any], error: ValidationError, locate: Callable[[Loc], str | None]
) -> list[str]:
    lines = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message += " (an unknown key: check its spelling)"
        where = _where(raw, loc)
        place = locate(loc)
        at = f" ({place})" if place else ""
        lines.append(f"{name}: {where}: {message}{at}" if where else f"{name}: {message}{at}")
    return lines


_FRAME_FIELDS = ("code", "id", "section")


def _apply_overlay(name: str, raw: dict[str, Any], base: Scale) -> tuple[dict[str, Any], list[str]]:
    """Resolve a scale that `extends` another: restated items replace fields of the base item.

    Returns the resolved scale and every problem found; an item with a problem is left as the base has it.
    """
    problems = [
        f"{name}: {kept}: a scale that extends another keeps its {kept}; remove this key"
        for kept in ("bands", "sections")
        if kept in raw
    ]
    merged_items = [item.model_dump(exclude_none=True) for item in base.items]
    changes = raw.get("items") or []
    for position, change in enumerate(changes if isinstance(changes, list) else [changes]):
        number = change.get("number") if isinstance(change, dict) else None
        if not isinstance(change, dict) or not isinstance(number, int) or not 1 <= number <= len(merged_items):
            problems.append(f"{name}: items[{position}].number: must be an item of {base.id} (1-{len(merged_items)})")
            continue
        where = f"item {number}"
        found = [] if "modification" in change else [f"{name}: {where}.modification: say what was modified and why"]
        found += [
            f"{name}: {where}.{field}: cannot change the {field} of an inherited item"
            for field in _FRAME_FIELDS
            if field in change and change[field] != merged_items[number - 1][field]
        ]
        problems += found
        if not found:
            merged_items[number - 1] = {**merged_items[number - 1], **change}
    resolved = {key: value for key, value in raw.items() if key != "items"}
    resolved.setdefault("principles", [p.model_dump() for p in base.principles])
    resolved["bands"] = [b.model_dump() for b in base.bands]
    resolved["sections"] = [s.model_dump() for s in base.sections]
    resolved["items"] = merged_items
    return resolved, problems


def _overlay_locate(locate: Callable[[Loc], str | None], restated: dict[Any, int], loc: Loc) -> str | None:
    """In an overlay, resolved item i is the file's entry with number i + 1 (if it restates that item)."""
    if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
        position = restated.get(loc[1] + 1)
        return None if position is None else locate(("items", position, *loc[2:]))
    return locate(loc)


def build_scale(source: ScaleSource, *, base_for: BaseLookup | None) -> Scale:
    """Validate a scale's mapping; raise ScaleFileError naming the place, item and field of every problem."""
    name, raw, locate = source.name, dict(source.raw), source.locate
    digest = hashlib.sha256(source.fingerprint)
    problems: list[str] = list(source.problems)
    if "extends" in raw:
        wanted = raw["extends"]
        if not isinstance(wanted, dict) or not wanted.get("id") or wanted.get("id") == raw.get("id"):
            raise ScaleFileError(f"{name}: extends: names no usable base scale ({wanted!r})")
        if set(wanted) != {"id", "version"}:
            raise ScaleFileError(f"{name}: extends: give the base scale as {{id: ..., version: ...}}")
        if base_for is None:
            raise ScaleFileError(f"{name}: extends: no published scales to find {wanted['id']} in")
        base = base_for(str(wanted["id"]), str(wanted["version"]))
        restated = {
            change.get("number"): position
            for position, change in enumerate(raw.get("items") or [])
            if isinstance(change, dict)
        }
        locate = functools.partial(_overlay_locate, source.locate, restated)
        raw, problems = _apply_overlay(name, raw, base)
        digest.update(base.content_hash.encode())
    raw["content_hash"] = digest.hexdigest()
    try:
        scale = Scale.model_validate(raw)
    except ValidationError as error:
        problems += _format_errors(name, raw, error, locate)
    if problems:
        raise ScaleFileError("\n".join(problems))
    return scale


@dataclass(frozen=True)
class _FileBases:
    """Bases of overlays on disk: beside the file, else in the published scales folder."""

    folder: Path
    published: Path | None
    chain: tuple[str, ...]

    def __call__(self, base_id: str, version: str) -> Scale:
        if base_id in self.chain:
            raise ScaleFileError(f"extends: {base_id} extends itself through {' -> '.join(self.chain)}")
        path = self.folder / f"{base_id}.yaml"
        if not path.exists() and self.published is not None:
            path = Path(self.published) / f"{base_id}.yaml"
        base = load_scale(path, published=self.published, _chain=self.chain)
        if base.version != version:
            raise ScaleFileError(
                f"extends: needs {base_id} version {version}, but {path.name} is version {base.version}"
            )
        return base


def load_scale(path: Path, *, published: Path | None = None, _chain: tuple[str, ...] = ()) -> Scale:
    """Read and validate one scale file (YAML or XLSX); raise ScaleFileError naming the file, item, field
    and line (or sheet and row) of every problem. An overlay finds its base beside it or in `published`."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ScaleFileError(f"{path}: cannot read the file ({error.strerror})") from error
    source = read_source(str(path), content)
    bases = _FileBases(path.parent, published, (*_chain, str(source.raw.get("id"))))
    try:
        return build_scale(source, base_for=bases)
    except ScaleFileError as error:
        message = str(error)
        raise ScaleFileError(message if message.startswith(str(path)) else f"{path}: {message}") from error


def load_scales(scales_dir: Path) -> dict[str, Scale]:
    """Every scale in a folder, by id."""
    scales: dict[str, Scale] = {}
    for path in sorted(Path(scales_dir).glob("*.yaml")):
        scale = load_scale(path)
        if scale.id in scales:
            raise ScaleFileError(f"{path}: id: {scale.id!r} is already used by another file")
        if path.stem != scale.id:
            raise ScaleFileError(f"{path}: id: {scale.id!r} must match the file name ({path.stem}.yaml)")
        scales[scale.id] = scale
    if not scales:
        raise ScaleFileError(f"{scales_dir}: no scale files (*.yaml) found")
    return scales


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(entry) for key, entry in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(entry) for entry in value]
    return value


def scale_mapping(scale: Scale) -> dict[str, Any]:
    """A resolved scale as a full scale file's mapping (every item in full, no `extends`), to edit and republish."""
    dumped = scale.model_dump(exclude={"content_hash", "extends"}, exclude_defaults=True)
    return {"id": scale.id, "version": scale.version, **_plain(dumped)}
