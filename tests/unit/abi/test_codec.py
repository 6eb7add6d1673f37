"""The lane's codec against eth_abi: static results read word by word decode exactly as eth_abi does,
dynamic ones still go through eth_abi, and the one error decoder names every kind of revert."""

from eth_abi import decode, encode
from hypothesis import given
from hypothesis import strategies as st

from bulwark.abi.codec import tuple_decoder, tuple_encoder
from bulwark.chain.artifacts import load_artifacts

ADDRESSES = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
STATIC = {
    "uint256": st.integers(0, 2**256 - 1),
    "uint8": st.integers(0, 255),
    "int128": st.integers(-(2**127), 2**127 - 1),
    "int256": st.integers(-(2**255), 2**255 - 1),
    "address": ADDRESSES,
    "bool": st.booleans(),
    "bytes32": st.binary(min_size=32, max_size=32),
    "bytes4": st.binary(min_size=4, max_size=4),
}


@st.composite
def static_types_and_values(draw, depth=0):
    """A list of static ABI types (basic, fixed arrays, nested tuples) and values for them."""
    types, values = [], []
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["basic", "basic", "array", "tuple"] if depth < 2 else ["basic"]))
        if shape == "basic":
            kind = draw(st.sampled_from(sorted(STATIC)))
            types.append(kind)
            values.append(draw(STATIC[kind]))
        elif shape == "array":
            kind, count = draw(st.sampled_from(sorted(STATIC))), draw(st.integers(1, 3))
            types.append(f"{kind}[{count}]")
            values.append([draw(STATIC[kind]) for _ in range(count)])
        else:
            inner_types, inner_values = draw(static_types_and_values(depth + 1))
            types.append(f"({','.join(inner_types)})")
            values.append(tuple(inner_values))
    return types, values


@given(static_types_and_values())
def test_static_results_decode_exactly_as_eth_abi_decodes_them(case):
    types, values = case
    data = encode(types, values)
    assert tuple_decoder(types)(data) == decode(types, data)


def test_dynamic_results_go_through_eth_abi():
    for types, values in [
        (["uint256[]"], [[1, 2, 3]]),
        (["(uint256,string)"], [(1, "x")]),
        (["address[]", "uint8"], [["0x" + "ab" * 20], 3]),
        (["bytes", "(uint8,bool)[2]"], [b"\x01\x02", [(1, True), (2, False)]]),
    ]:
        data = encode(types, values)
        assert tuple_decoder(types)(data) == decode(types, data)


def test_the_error_decoder_names_custom_errors_strings_panics_and_unknown_data():
    errors = load_artifacts().errors
    selector = next(s for s, e in errors.errors.items() if e.name == "GuardedNotGuardian")
    decoded = errors.decode(selector + encode(["address", "address"], ["0x" + "12" * 20, "0x" + "ab" * 20]))
    assert decoded.name == "GuardedNotGuardian"
    assert decoded.args == {
        "caller": "0x1212121212121212121212121212121212121212",
        "guardian": "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",
    }
    assert errors.decode(selector + b"\x00" * 31).name == "Unknown"  # malformed arguments stay raw
    assert errors.decode(bytes.fromhex("08c379a0") + encode(["string"], ["no"])).args == {"message": "no"}
    assert errors.decode(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])).name == "Panic"
    assert errors.decode(b"\xde\xad\xbe\xef").name == "Unknown"
    assert errors.decode(b"").name == "Empty"


BASIC = {k: v for k, v in STATIC.items() if not k.startswith("bytes")}


@given(
    st.lists(st.sampled_from(sorted(BASIC)), min_size=1, max_size=5).flatmap(
        lambda types: st.tuples(st.just(types), st.tuples(*(BASIC[t] for t in types)))
    )
)
def test_basic_arguments_encode_exactly_as_eth_abi_encodes_them(case):
    types, values = case
    assert tuple_encoder(types)(values) == encode(types, values)


def test_out_of_range_arguments_are_refused_not_truncated():
    for types, values in [
        (["uint8"], (256,)),
        (["uint256"], (-1,)),
        (["int128"], (2**127,)),
        (["bool"], (1,)),
    ]:
        try:
            tuple_encoder(types)(values)
        except Exception:  # eth_abi raises its EncodingError; the word writers ValueError
            continue
        raise AssertionError(f"{types} accepted {values}")
