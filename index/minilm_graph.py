"""The MiniLM ONNX graph, rewritten so its int8 word-embedding table stays int8 in memory.

The packaged model stores each weight as int8 with a float scale and dequantises it in the graph
(`Cast` to float, then `Mul` by the scale). onnxruntime folds those constant chains once at load,
so every weight is held as float32: for the word-embedding table (30,522 × 384) that is 47 MB,
though a query reads only its own few rows of it. This rewrite looks the rows up first and
dequantises only those:

    Gather(Mul(Cast(table_q), scale), ids)   →   Mul(Cast(Gather(table_q, ids)), Gather(scale, ids))

Each output element is the same float32 product `q * scale[row]` either way, so the embeddings
are bit-for-bit those of the original graph (a test checks it) and stored vectors stay valid; the
table is held as 11.7 MB of int8. The other weights feed matrix products and are left to folding
(dequantising them at every query made a query ten times slower).

The model file is parsed at the protobuf wire level (field numbers from `onnx.proto`): only the
graph's node list changes; every other field, the weights among them, is copied as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# field numbers in onnx.proto
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER = 1, 5
NODE_INPUT, NODE_OUTPUT, NODE_NAME, NODE_OP_TYPE, NODE_ATTRIBUTE = 1, 2, 3, 4, 5
ATTR_NAME, ATTR_INT, ATTR_TYPE, ATTR_TYPE_INT = 1, 3, 20, 2
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME = 1, 2, 8
FLOAT = 1
VARINT, LENGTH = 0, 2
Buffer = bytes | memoryview


class GraphShapeError(ValueError):
    """The graph does not have the shape this rewrite expects (a different model file)."""


@dataclass(frozen=True)
class Node:
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    name: str = ""
    ints: tuple[tuple[str, int], ...] = ()  # integer attributes, e.g. ("axis", 0)


def gather_before_dequantise(model: bytes, table: str) -> bytes:
    """`model` with the lookup into the int8-quantised `table` (the Gather's data input, e.g.
    "inner.embeddings.word_embeddings.weight") done before dequantisation, per row."""
    fields = list(_fields(model))
    graph_at = [i for i, (number, _, _) in enumerate(fields) if number == MODEL_GRAPH]
    if len(graph_at) != 1:
        raise GraphShapeError("expected one graph in the model")
    graph = _rewrite_graph(fields[graph_at[0]][2], table)
    parts: list[Buffer] = []
    for i, field in enumerate(fields):
        if i == graph_at[0]:  # written from its parts: the weights are copied once, here
            parts += [_key(MODEL_GRAPH, LENGTH), _varint(sum(len(p) for p in graph)), *graph]
        else:
            parts += _encode_field(*field)
    return b"".join(parts)


def _rewrite_graph(graph: Buffer, table: str) -> list[Buffer]:
    """The parts of `graph` rewritten (see the module)."""
    fields = list(_fields(graph))
    nodes = {i: _parse_node(v) for i, (number, _, v) in enumerate(fields) if number == GRAPH_NODE}
    by_output = {out: i for i, node in nodes.items() for out in node.outputs}
    uses = [i for i, node in nodes.items() if table in node.inputs]
    if len(uses) != 1 or table not in by_output:
        raise GraphShapeError(f"expected {table!r} made by one node and read by one Gather")
    gather_i, mul_i = uses[0], by_output[table]
    gather, mul = nodes[gather_i], nodes[mul_i]
    cast_i = by_output.get(mul.inputs[0], -1)
    cast = nodes.get(cast_i)
    if (
        gather.op_type != "Gather"
        or gather.inputs[0] != table
        or dict(gather.ints).get("axis", 0) != 0
        or mul.op_type != "Mul"
        or cast is None
        or cast.op_type != "Cast"
        or dict(cast.ints).get("to") != FLOAT
        or any(mul.inputs[0] in n.inputs for i, n in nodes.items() if i != mul_i)
    ):
        raise GraphShapeError(f"expected Gather(Mul(Cast(int8), scale)) for {table!r}")
    quantised, scale = cast.inputs[0], mul.inputs[1]
    if _initializer_dims(fields, scale)[1:] != [1]:
        raise GraphShapeError(f"expected one scale per row of {table!r}, in {scale!r}")
    ids, out = gather.inputs[1], gather.outputs[0]
    rows_q, scales, rows_f = f"{table}_rows_q", f"{table}_rows_scale", f"{table}_rows_f"
    lookup = [
        Node("Gather", (quantised, ids), (rows_q,), f"{gather.name}_q", (("axis", 0),)),
        Node("Gather", (scale, ids), (scales,), f"{gather.name}_scale", (("axis", 0),)),
        Node("Cast", (rows_q,), (rows_f,), f"{gather.name}_cast", (("to", FLOAT),)),
        Node("Mul", (rows_f, scales), (out,), f"{gather.name}_mul"),
    ]
    # the new nodes read only initializers and a graph input: placed first, the order stays
    # topological
    parts: list[Buffer] = []
    for node in lookup:
        parts += _encode_field(GRAPH_NODE, LENGTH, _encode_node(node))
    for i, field in enumerate(fields):
        if i not in (gather_i, mul_i, cast_i):
            parts += _encode_field(*field)
    return parts


def _initializer_dims(graph_fields: list[tuple[int, int, Buffer]], name: str) -> list[int]:
    for number, _, value in graph_fields:
        if number != GRAPH_INITIALIZER:
            continue
        tensor = list(_fields(value))
        if any(n == TENSOR_NAME and bytes(v).decode() == name for n, _, v in tensor):
            dims: list[int] = []
            for n, wire, v in tensor:
                if n == TENSOR_DIMS:
                    dims.extend([int.from_bytes(v)] if wire == VARINT else _varints(v))
            return dims
    raise GraphShapeError(f"no initializer {name!r}")


def _parse_node(data: Buffer) -> Node:
    strings: dict[int, list[str]] = {}
    ints: list[tuple[str, int]] = []
    for number, _, value in _fields(data):
        if number == NODE_ATTRIBUTE:
            attr = {n: v for n, _, v in _fields(value)}
            if int.from_bytes(attr.get(ATTR_TYPE, b"")) == ATTR_TYPE_INT:
                name = bytes(attr[ATTR_NAME]).decode()
                ints.append((name, _signed(int.from_bytes(attr[ATTR_INT]))))
        elif number in (NODE_INPUT, NODE_OUTPUT, NODE_NAME, NODE_OP_TYPE):
            strings.setdefault(number, []).append(bytes(value).decode())
    return Node(
        op_type=strings.get(NODE_OP_TYPE, [""])[0],
        inputs=tuple(strings.get(NODE_INPUT, [])),
        outputs=tuple(strings.get(NODE_OUTPUT, [])),
        name=strings.get(NODE_NAME, [""])[0],
        ints=tuple(ints),
    )


def _encode_node(node: Node) -> bytes:
    parts = [f for s in node.inputs for f in _encode_field(NODE_INPUT, LENGTH, s.encode())]
    parts += [f for s in node.outputs for f in _encode_field(NODE_OUTPUT, LENGTH, s.encode())]
    parts += _encode_field(NODE_NAME, LENGTH, node.name.encode())
    parts += _encode_field(NODE_OP_TYPE, LENGTH, node.op_type.encode())
    for name, value in node.ints:
        attr = [
            *_encode_field(ATTR_NAME, LENGTH, name.encode()),
            *_encode_field(ATTR_INT, VARINT, _varint_bytes(value % (1 << 64))),
            *_encode_field(ATTR_TYPE, VARINT, _varint_bytes(ATTR_TYPE_INT)),
        ]
        parts += _encode_field(NODE_ATTRIBUTE, LENGTH, b"".join(attr))
    return b"".join(parts)


# --- protobuf wire format -------------------------------------------------------------------------
def _fields(data: Buffer) -> Iterator[tuple[int, int, Buffer]]:
    """(field number, wire type, value) of each field of one message. A varint's value comes as
    its number's big-endian bytes (`int.from_bytes` reads it); anything else as a view of its
    bytes in `data` (not a copy: the weights are most of the model)."""
    view, at = memoryview(data), 0
    while at < len(view):
        key, at = _read_varint(view, at)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, at = _read_varint(view, at)
            yield number, wire, _varint_bytes(value)
            continue
        if wire == LENGTH:
            size, at = _read_varint(view, at)
        elif wire in (1, 5):  # fixed 64 / 32 bits
            size = 8 if wire == 1 else 4
        else:
            raise GraphShapeError(f"unsupported protobuf wire type {wire}")
        if at + size > len(view):
            raise GraphShapeError("truncated protobuf field")
        yield number, wire, view[at : at + size]
        at += size


def _varint_bytes(value: int) -> bytes:
    """How `_fields` gives a varint's value."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8))


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _encode_field(number: int, wire: int, value: Buffer) -> list[Buffer]:
    """One field as parts to join (a large value is not copied until the final join)."""
    if wire == VARINT:
        return [_key(number, wire) + _varint(int.from_bytes(value))]
    if wire == LENGTH:
        return [_key(number, wire) + _varint(len(value)), value]
    return [_key(number, wire), value]


def _read_varint(view: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(view):
            raise GraphShapeError("truncated protobuf varint")
        byte = view[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _varints(data: Buffer) -> list[int]:
    """A packed repeated varint field."""
    view, at, out = memoryview(data), 0, []
    while at < len(view):
        value, at = _read_varint(view, at)
        out.append(value)
    return out


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _signed(value: int) -> int:
    """A 64-bit varint read as the two's-complement int64 protobuf stores."""
    return value - (1 << 64) if value >= 1 << 63 else value
