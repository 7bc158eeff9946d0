"""Every chapter's interactive figures in one place.

Two kinds, as design.md §6 asks:

- **JupyterLab explorers** (ipywidgets sliders that re-run the fast trainers; they need a live
  Python kernel): :func:`lazy_explorer` (Ch. 1, α), :func:`eps_explorer` (Ch. 2, ε, ridge, D),
  :func:`toy_explorer` (Ch. 3, α, ε, P), :func:`dmft_explorer` (Ch. 4, ρ, α),
  :func:`modular_mlp_explorer` (Ch. 5, output scale s).
- **Static slider figures** for the HTML book (self-contained JavaScript, precomputed frames):
  :func:`alpha_animation`, :func:`eps_explorer_static`, :func:`sweep_animation`,
  :func:`sweep_slider_html`.
"""
from .dmft_plots import dmft_explorer
from .widgets_kernels import eps_explorer, eps_explorer_static
from .widgets_lazy import alpha_animation, lazy_explorer
from .widgets_nets import modular_mlp_explorer, sweep_slider_html
from .widgets_toy import sweep_animation, toy_explorer

__all__ = ["lazy_explorer", "eps_explorer", "toy_explorer", "dmft_explorer", "modular_mlp_explorer",
           "alpha_animation", "eps_explorer_static", "sweep_animation", "sweep_slider_html"]
