"""The one setup call every notebook starts with.

Introduced in 00_index.ipynb.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

import numpy as np

from .style import RC
from .validate import integer

DEFAULT_SEED = 0


@dataclass(frozen=True)
class SetupInfo:
    """What :func:`setup` did (returned so a notebook can show it)."""

    seed: int
    torch_seeded: bool

    def __repr__(self) -> str:  # stable text for nbval
        return f"convlib.setup(seed={self.seed}): numpy, random{' and torch' if self.torch_seeded else ''} seeded; print options and figure defaults set"


def setup(seed: int = DEFAULT_SEED, *, precision: int = 4) -> SetupInfo:
    """Make a notebook deterministic and its figures readable.

    Seeds Python's and numpy's global generators (and torch's, if torch is
    installed), sets numpy print options, applies the course's matplotlib
    defaults (:data:`convlib.style.RC`) and, inside IPython, makes inline
    figures PNG (nbval compares SVG text, which changes every run).

    Parameters
    ----------
    seed : int
        Seed for ``random``, ``numpy.random`` and ``torch``.
    precision : int
        Digits numpy prints after the decimal point.

    Returns
    -------
    SetupInfo
    """
    seed = integer(seed, "seed", 0)
    integer(precision, "precision", 0)
    random.seed(seed)
    np.random.seed(seed)
    np.set_printoptions(precision=precision, suppress=True, linewidth=100)

    torch_seeded = False
    try:
        import torch  # noqa: PLC0415 - optional oracle, imported only here
    except ImportError:  # pragma: no cover - torch is part of the course install
        pass
    else:
        torch.manual_seed(seed)
        torch.set_printoptions(precision=precision, sci_mode=False)
        torch_seeded = True

    import matplotlib as mpl  # noqa: PLC0415

    mpl.rcParams.update(dict(RC))
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None else None
    if shell is not None:
        try:
            from matplotlib_inline.backend_inline import set_matplotlib_formats  # noqa: PLC0415

            set_matplotlib_formats("png")
        except ImportError:  # pragma: no cover
            pass
    return SetupInfo(seed=int(seed), torch_seeded=torch_seeded)
