"""Writes docs/api-reference.md, the partner API's reference, from the contracts themselves: the
partner-facing .proto files are compiled with their comments (protoc --include_source_info) and
every service, RPC, message, field, enum and value is listed with its comment, its
google.api.field_behavior marks and its size limit. Deterministic; CI regenerates it and fails on
a diff.

    python scripts/gen_api_docs.py            # rewrite docs/api-reference.md
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from google.api import field_behavior_pb2, http_pb2
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

# Imported for their registered extensions, so the descriptors' field options are read as
# limits (max_length, …) and not left as unknown fields.
from onestop.common.v1 import limits_pb2
from onestop_common.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUTPUT = ROOT / "docs" / "api-reference.md"

# The partner-facing contracts, in the order the reference shows them.
PUBLIC_FILES = (
    "onestop/partner/v1/partner.proto",
    "onestop/orchestrator/v1/orchestrator.proto",
    "onestop/common/v1/application.proto",
    "onestop/common/v1/common.proto",
    "onestop/common/v1/limits.proto",
)

# Paths into a FileDescriptorProto (descriptor.proto's field numbers), to find comments in
# source_code_info.
MESSAGE, ENUM, SERVICE, EXTENSION, SYNTAX = 4, 5, 6, 7, 12
M_FIELD, M_NESTED, M_ENUM = 2, 3, 4
E_VALUE = 2
S_METHOD = 2

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}
BEHAVIOR = field_behavior_pb2.FieldBehavior


def compile_descriptors() -> descriptor_pb2.FileDescriptorSet:
    """The public files and everything they import, with comments."""
    well_known = str(resources.files("grpc_tools") / "_proto")
    googleapis = str(Path(http_pb2.__file__).resolve().parents[2])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api.binpb"
        code = protoc.main(
            [
                "protoc",
                f"-I{PROTO_ROOT}",
                f"-I{well_known}",
                f"-I{googleapis}",
                f"--descriptor_set_out={out}",
                "--include_source_info",
                "--include_imports",
                *PUBLIC_FILES,
            ]
        )
        if code != 0:
            raise SystemExit(f"protoc failed with exit code {code}")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


@dataclass(frozen=True)
class Comments:
    """A file's comments by element path."""

    by_path: dict[tuple[int, ...], descriptor_pb2.SourceCodeInfo.Location]

    @classmethod
    def of(cls, file: descriptor_pb2.FileDescriptorProto) -> Comments:
        return cls({tuple(loc.path): loc for loc in file.source_code_info.location})

    def text(self, *path: int) -> str:
        """The element's leading comment (else its trailing one), without the comment marks'
        space, lines kept."""
        loc = self.by_path.get(path)
        if loc is None:
            return ""
        raw = loc.leading_comments or loc.trailing_comments
        if not raw and path == (SYNTAX,) and loc.leading_detached_comments:
            raw = loc.leading_detached_comments[0]
        lines = [line[1:] if line.startswith(" ") else line for line in raw.strip("\n").split("\n")]
        return "\n".join(lines).strip()


def cell(text: str) -> str:
    """A comment in one table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def paragraph(text: str) -> str:
    """A comment as Markdown text: its lines joined into paragraphs, blank lines kept."""
    blocks = [" ".join(block.split()) for block in text.split("\n\n")]
    return "\n\n".join(block for block in blocks if block)


def anchor(full_name: str) -> str:
    return full_name.lstrip(".")


class Reference:
    def __init__(self, descriptors: descriptor_pb2.FileDescriptorSet) -> None:
        self.files = {f.name: f for f in descriptors.file}
        # Types the reference documents (linked) and map entries (shown as map<K, V>).
        self.documented: set[str] = set()
        self.map_entries: dict[str, descriptor_pb2.DescriptorProto] = {}
        for name in PUBLIC_FILES:
            file = self.files[name]
            for message, full in self._messages(file.message_type, f".{file.package}"):
                if message.options.map_entry:
                    self.map_entries[full] = message
                else:
                    self.documented.add(full)
            self.documented.update(f".{file.package}.{e.name}" for e in file.enum_type)

    @staticmethod
    def _messages(
        messages: Sequence[descriptor_pb2.DescriptorProto], scope: str
    ) -> Iterator[tuple[descriptor_pb2.DescriptorProto, str]]:
        for message in messages:
            full = f"{scope}.{message.name}"
            yield message, full
            yield from Reference._messages(message.nested_type, full)

    def type_link(self, type_name: str) -> str:
        short = type_name.lstrip(".")
        if type_name in self.documented:
            return f"[{short.rsplit('.', 1)[-1]}](#{anchor(type_name)})"
        return f"`{short}`"

    def field_type(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type_name in self.map_entries:
            key, value = self.map_entries[field.type_name].field
            if value.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
                return f"map&lt;{SCALARS[key.type]}, {self.type_link(value.type_name)}&gt;"
            return f"`map<{SCALARS[key.type]}, {SCALARS[value.type]}>`"
        if field.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
            return self.type_link(field.type_name)
        return f"`{SCALARS[field.type]}`"

    def label(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        """Label, field behaviors and size limit, e.g. "`repeated`, REQUIRED, ≤ 50 items"."""
        parts: list[str] = []
        is_map = field.type_name in self.map_entries
        repeated = field.label == FDP.LABEL_REPEATED
        if repeated and not is_map:
            parts.append("`repeated`")
        if field.proto3_optional:
            parts.append("`optional`")
        behaviors = field.options.Extensions[field_behavior_pb2.field_behavior]
        parts += [BEHAVIOR.Name(b) for b in behaviors]
        parts += self.limits(field, repeated)
        return ", ".join(parts)

    def limits(self, field: descriptor_pb2.FieldDescriptorProto, repeated: bool) -> list[str]:
        """The field's size limits as onestop_common.limits checks them (limits.proto)."""
        options = field.options
        found: list[str] = []
        if repeated:
            items = options.Extensions[limits_pb2.max_items] or DEFAULT_MAX_ITEMS
            unit = "entries" if field.type_name in self.map_entries else "items"
            found.append(f"≤ {items} {unit}")
        value = field
        if field.type_name in self.map_entries:
            value = self.map_entries[field.type_name].field[1]
        if value.type == FDP.TYPE_STRING:
            length = options.Extensions[limits_pb2.max_length] or DEFAULT_MAX_LENGTH
            found.append(f"≤ {length} chars")
            if options.Extensions[limits_pb2.multiline]:
                found.append("multiline")
        elif value.type == FDP.TYPE_BYTES:
            size = options.Extensions[limits_pb2.max_bytes] or DEFAULT_MAX_BYTES
            found.append(f"≤ {byte_size(size)}")
        return found

    def render(self) -> str:
        out = [
            "# OneStop API reference",
            "",
            "<!-- Generated by scripts/gen_api_docs.py from the .proto files' comments: do not "
            "edit; change the comments and run `python scripts/gen_api_docs.py`. -->",
            "",
            "The partner-facing gRPC contracts. How to call them, from certificate to completed "
            "case: [partner-quickstart.md](partner-quickstart.md).",
            "",
            "Behaviors are `google.api.field_behavior` marks: REQUIRED fields must be set in a "
            "request, OUTPUT_ONLY fields are set by the platform. Size "
            "limits are checked at intake (INVALID_ARGUMENT naming the field); a string's limit "
            "counts characters (Unicode code points), and a string is one line unless marked "
            "multiline.",
            "",
        ]
        for name in PUBLIC_FILES:
            file = self.files[name]
            out.append(f"- [`{name}`](#{file_anchor(name)}): package `{file.package}`")
        for name in PUBLIC_FILES:
            out += self.render_file(self.files[name])
        return "\n".join(out).rstrip("\n") + "\n"

    def render_file(self, file: descriptor_pb2.FileDescriptorProto) -> list[str]:
        comments = Comments.of(file)
        out = ["", f'<a id="{file_anchor(file.name)}"></a>', "", f"## {file.name}", ""]
        header = comments.text(SYNTAX)
        if header:
            out += [paragraph(header), ""]
        out += [f"Package `{file.package}`.", ""]
        for i, service in enumerate(file.service):
            out += self.render_service(file, service, comments, i)
        for i, message in enumerate(file.message_type):
            out += self.render_message(f".{file.package}", message, comments, (MESSAGE, i))
        for i, enum in enumerate(file.enum_type):
            out += self.render_enum(f".{file.package}", enum, comments, (ENUM, i))
        if file.extension:
            out += self.render_extensions(file, comments)
        return out

    def render_service(
        self,
        file: descriptor_pb2.FileDescriptorProto,
        service: descriptor_pb2.ServiceDescriptorProto,
        comments: Comments,
        index: int,
    ) -> list[str]:
        full = f"{file.package}.{service.name}"
        out = [f'<a id="{full}"></a>', "", f"### service {service.name}", ""]
        text = comments.text(SERVICE, index)
        if text:
            out += [paragraph(text), ""]
        out += ["| RPC | Request | Response | Description |", "|---|---|---|---|"]
        for j, method in enumerate(service.method):
            request = self.type_link(method.input_type)
            response = self.type_link(method.output_type)
            if method.client_streaming:
                request = f"stream {request}"
            if method.server_streaming:
                response = f"stream {response}"
            text = cell(comments.text(SERVICE, index, S_METHOD, j))
            out.append(f"| `{method.name}` | {request} | {response} | {text} |")
        return [*out, ""]

    def render_message(
        self,
        scope: str,
        message: descriptor_pb2.DescriptorProto,
        comments: Comments,
        path: tuple[int, ...],
    ) -> list[str]:
        if message.options.map_entry:
            return []
        full = f"{scope}.{message.name}"
        out = [f'<a id="{anchor(full)}"></a>', "", f"### {message.name}", ""]
        text = comments.text(*path)
        if text:
            out += [paragraph(text), ""]
        if message.field:
            out += ["| Field | Type | Label, behavior, limit | Description |", "|---|---|---|---|"]
            for j, field in enumerate(message.field):
                text = cell(comments.text(*path, M_FIELD, j))
                out.append(
                    f"| `{field.name}` = {field.number} | {self.field_type(field)} "
                    f"| {self.label(field)} | {text} |"
                )
        else:
            out.append("No fields.")
        out.append("")
        for k, nested in enumerate(message.nested_type):
            out += self.render_message(full, nested, comments, (*path, M_NESTED, k))
        for k, enum in enumerate(message.enum_type):
            out += self.render_enum(full, enum, comments, (*path, M_ENUM, k))
        return out

    def render_enum(
        self,
        scope: str,
        enum: descriptor_pb2.EnumDescriptorProto,
        comments: Comments,
        path: tuple[int, ...],
    ) -> list[str]:
        full = f"{scope}.{enum.name}"
        out = [f'<a id="{anchor(full)}"></a>', "", f"### enum {enum.name}", ""]
        text = comments.text(*path)
        if text:
            out += [paragraph(text), ""]
        out += ["| Value | Number | Description |", "|---|---|---|"]
        for j, value in enumerate(enum.value):
            text = cell(comments.text(*path, E_VALUE, j))
            out.append(f"| `{value.name}` | {value.number} | {text} |")
        return [*out, ""]

    def render_extensions(
        self, file: descriptor_pb2.FileDescriptorProto, comments: Comments
    ) -> list[str]:
        out = [
            f'<a id="{file.package}.field-options"></a>',
            "",
            "### Field options",
            "",
            "| Option | Extends | Type | Description |",
            "|---|---|---|---|",
        ]
        for i, ext in enumerate(file.extension):
            text = cell(comments.text(EXTENSION, i))
            out.append(
                f"| `({file.package}.{ext.name})` = {ext.number} | `{ext.extendee.lstrip('.')}` "
                f"| {self.field_type(ext)} | {text} |"
            )
        return [*out, ""]


def file_anchor(name: str) -> str:
    return "file-" + name.removesuffix(".proto").replace("/", "-")


def byte_size(size: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def main() -> int:
    text = Reference(compile_descriptors()).render()
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
