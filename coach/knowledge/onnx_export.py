"""Export the embedding model to ONNX once, from its local weights, and quantize the export.

Exporting needs PyTorch and ``onnx``; running the result needs neither (see
``coach.knowledge.onnx_embedder``). Files are written to a temporary name and renamed,
so two processes exporting at once never leave a half-written model behind.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

#: The graph's inputs and output, in the order the exporter receives them.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
OPSET = 17

log = logging.getLogger(__name__)


def export_fp32(model_path: Path, target: Path) -> None:
    """Write the model's transformer (token ids in, last hidden states out) as an ONNX file.

    Pooling and normalisation stay outside the graph (done with numpy), exactly as
    sentence-transformers does them.

    Raises:
        ConfigurationError: If PyTorch or the ``onnx`` package is not installed.
    """
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise ConfigurationError(
            f"Cannot export the embedding model to ONNX: {exc.name or exc} is not installed.",
            hint="Install PyTorch (pip install -e .) once to export, or set COACH_EMBEDDING_BACKEND=torch.",
        ) from exc
    transformers_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager")
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    # A padded example batch, so nothing about the mask is traced as a constant.
    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, OUTPUT_NAME)}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        _write_atomically(
            target,
            lambda tmp: torch.onnx.export(
                LastHiddenState(),
                (ids, mask, torch.zeros_like(ids)),
                str(tmp),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            ),
        )


def quantize_int8(source: Path, target: Path, per_channel: bool = True) -> None:
    """Dynamic int8 quantization of the exported model's matrix multiplications.

    Per-channel weight scales keep the vectors closer to fp32 than one scale per tensor.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    _write_atomically(
        target,
        lambda tmp: quantize_dynamic(
            str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel, op_types_to_quantize=["MatMul"]
        ),
    )


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=target.stem + ".", suffix=".tmp.onnx", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes it private; every process of the app reads it
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("wrote %s", target)
