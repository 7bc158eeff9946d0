"""The course's figures, static sliders and live explorers, kept apart from the models and theory
they draw (which never import them).

* :mod:`gklib.viz.dmft` — chapter 4: DMFT against simulations (paper Fig. 4), the alignment and its
  escape, the convergence of the fixed-point iteration, the train–test gap against 1/ρ, the static
  ρ slider and the ρ/α live explorer.

The other chapters' figures are still in :mod:`gklib.plotting` and the ``gklib.widgets_*`` modules;
:mod:`gklib.widgets` gathers every chapter's sliders and explorers.
"""
from .dmft import (dmft_explorer, dmft_rho_slider, plot_alignment, plot_convergence, plot_dmft_vs_simulation,
                   plot_gap_vs_rho)

__all__ = ["plot_dmft_vs_simulation", "plot_alignment", "plot_gap_vs_rho", "plot_convergence", "dmft_rho_slider",
           "dmft_explorer"]
