"""Tiny ONNX models with the real signatures of insightface's detector, recogniser and swapper.

insightface routes a model by its inputs and outputs: a detector (SCRFD) has 9 outputs (scores,
box distances and keypoint distances for strides 8, 16 and 32, two anchors each); a recogniser
(ArcFace) one square 112x112 input and one 512 output; a swapper two inputs, the first 128x128,
and its `emap` as the graph's last initializer. These models have exactly those signatures, so the
real insightface and onnxruntime code loads and runs them; what they compute is trivial:

- the detector fires on an 8x8 all-white cell aligned to the stride-8 grid and reports a 96x96
  face around it, with frontal keypoints (so a picture with N such cells shows N "faces");
- the recogniser average-pools the aligned 112x112 crop to 8x8 and projects it to 512 values;
- the swapper returns a dimmed copy of the target crop (and reads the source latent).

They serve the tests and `bench render` (tools/render_bench.py), which drives the
insightface engine's real code path on them: its figures are the pipeline around the engine, not
the cost of buffalo_l or inswapper_128.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 13)]
FACE_HALF = 6.0  # box distances in units of the stride: 6 * 8 = 48 px each side
KPS = [-2.0, -1.5, 2.0, -1.5, 0.0, 0.5, -1.5, 2.5, 1.5, 2.5]  # left eye, right eye, nose, mouths


def _save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="likeness-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def _head(
    name: str, stride: int, weight: np.ndarray, bias: np.ndarray, width: int
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], onnx.ValueInfoProto]:
    nodes = [
        helper.make_node(
            "Conv",
            ["input.1", f"{name}_w", f"{name}_b"],
            [f"{name}_c"],
            kernel_shape=[stride, stride],
            strides=[stride, stride],
        ),
    ]
    last = f"{name}_c"
    if name.startswith("score"):
        nodes.append(helper.make_node("Sigmoid", [last], [f"{name}_s"]))
        last = f"{name}_s"
    nodes += [
        helper.make_node("Transpose", [last], [f"{name}_t"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", [f"{name}_t", f"{name}_shape"], [name]),
    ]
    inits = [
        numpy_helper.from_array(weight.astype(np.float32), f"{name}_w"),
        numpy_helper.from_array(bias.astype(np.float32), f"{name}_b"),
        numpy_helper.from_array(np.array([-1, width], dtype=np.int64), f"{name}_shape"),
    ]
    return nodes, inits, helper.make_tensor_value_info(name, TensorProto.FLOAT, [f"anchors{stride}", width])


def build_detector(path: Path) -> None:
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    outputs: list[onnx.ValueInfoProto] = []
    heads: list[tuple[str, int, np.ndarray, np.ndarray, int]] = []
    for stride in (8, 16, 32):
        if stride == 8:
            k = 20.0
            weight = np.full((2, 3, stride, stride), k / (3 * stride * stride))
            bias = np.full(2, -0.5 * k)
        else:
            weight, bias = np.zeros((2, 3, stride, stride)), np.full(2, -10.0)
        heads.append((f"score{stride}", stride, weight, bias, 1))
    for stride in (8, 16, 32):
        heads.append((f"bbox{stride}", stride, np.zeros((8, 3, stride, stride)), np.full(8, FACE_HALF), 4))
    for stride in (8, 16, 32):
        heads.append((f"kps{stride}", stride, np.zeros((20, 3, stride, stride)), np.array(KPS * 2), 10))
    for name, stride, weight, bias, width in heads:
        n, i, o = _head(name, stride, weight, bias, width)
        nodes += n
        inits += i
        outputs.append(o)
    graph = helper.make_graph(
        nodes,
        "tiny-scrfd",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, "height", "width"])],
        outputs,
        inits,
    )
    _save(graph, path)


def build_recogniser(path: Path) -> None:
    projection = np.random.default_rng(11).normal(size=(192, 512)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node(
                "AveragePool", ["input.1"], ["pooled"], kernel_shape=[14, 14], strides=[14, 14], name="pool"
            ),
            helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
            helper.make_node("MatMul", ["flat", "projection"], ["683"], name="project"),
        ],
        "tiny-arcface",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, [1, 512])],
        [numpy_helper.from_array(projection, "projection")],
    )
    _save(graph, path)


def build_swapper(path: Path) -> None:
    emap = np.eye(512, dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["source", "emap"], ["mapped"]),
            helper.make_node("ReduceMean", ["mapped"], ["latent_mean"], keepdims=1),
            helper.make_node("Mul", ["latent_mean", "zero"], ["nothing"]),
            helper.make_node("Reshape", ["nothing", "four_d"], ["nothing4"]),
            helper.make_node("Mul", ["target", "half"], ["dimmed"]),
            helper.make_node("Add", ["dimmed", "nothing4"], ["output"]),
        ],
        "tiny-inswapper",
        [
            helper.make_tensor_value_info("target", TensorProto.FLOAT, [1, 3, 128, 128]),
            helper.make_tensor_value_info("source", TensorProto.FLOAT, [1, 512]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 128, 128])],
        [
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
            numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
            numpy_helper.from_array(np.array([1, 1, 1, 1], dtype=np.int64), "four_d"),
            numpy_helper.from_array(emap, "emap"),  # last: INSwapper reads it as the emap
        ],
    )
    _save(graph, path)


def build_model_dir(root: Path) -> tuple[Path, Path]:
    """A FACE_MODEL_DIR of tiny models and a pins file for them; returns (model_dir, pins_file)."""
    model_dir = root / "face-models"
    build_detector(model_dir / "analysis" / "det_10g.onnx")
    build_recogniser(model_dir / "analysis" / "w600k_r50.onnx")
    build_swapper(model_dir / "swapper" / "inswapper_128.onnx")
    pins = {
        name: hashlib.sha256((model_dir / name).read_bytes()).hexdigest()
        for name in ("analysis/det_10g.onnx", "analysis/w600k_r50.onnx", "swapper/inswapper_128.onnx")
    }
    pins_file = root / "pins.json"
    pins_file.write_text(json.dumps(pins))
    return model_dir, pins_file


def person(colour: tuple[int, int, int], *, cells: list[tuple[int, int]] | None = None, size: int = 160) -> np.ndarray:
    """An RGB picture with one tiny-model "face" per stride-8 cell (row, col), in a coloured surround."""
    image = np.zeros((size, size, 3), dtype=np.uint8)
    for row, col in cells or [(10, 10)]:
        y, x = row * 8, col * 8
        image[max(0, y - 40) : y + 48, max(0, x - 40) : x + 48] = colour
        image[y + 8 : y + 24, x - 16 : x - 8] = (colour[2], colour[0], colour[1])  # a feature that moves with the face
        image[y : y + 8, x : x + 8] = 255
    return image
