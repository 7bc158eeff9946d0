"""Every chapter's interactive figures in one place. There are two kinds:

- **Live explorers** (JupyterLab; they need a running Python kernel): ipywidgets sliders that
  *recompute* the figure for any value — re-run the fast trainers or solvers at each move.
  :func:`lazy_explorer` (Ch. 1, α), :func:`eps_explorer` (Ch. 2, ε, ridge, D),
  :func:`toy_explorer` (Ch. 3, α, ε, P), :func:`dmft_explorer` (Ch. 4, ρ, α),
  :func:`modular_mlp_explorer` (Ch. 5, output scale s). In the HTML book they are inert.
- **Static sliders** (work in the HTML book, offline, without Python): one frame per value of a
  sweep the chapter has already computed, rendered once at build time by the single helper
  :func:`~gklib.static_slider.slider_figure` (PNG frames, a native ``<input type="range">`` and a
  few lines of inline JavaScript; keyboard accessible, several per page). The chapter wrappers only
  supply the drawing function: :func:`grokking_slider` (introduction, Fig 1 over α),
  :func:`alpha_animation` (Ch. 1, network vs linearisation over α), :func:`eps_explorer_static`
  (Ch. 2, kernel spectrum over ε), :func:`sweep_animation` (Ch. 3, losses and decomposition over α),
  :func:`dmft_rho_slider` (Ch. 4, DMFT losses and gap over ρ), :func:`sweep_slider_html` (Ch. 5,
  modular-addition MLP over its scale).
"""
from .viz.dmft import dmft_explorer, dmft_rho_slider
from .static_slider import StaticSlider, slider_figure
from .widgets_kernels import eps_explorer, eps_explorer_static
from .widgets_lazy import alpha_animation, lazy_explorer
from .widgets_nets import modular_mlp_explorer, sweep_slider_html
from .widgets_toy import grokking_slider, sweep_animation, toy_explorer

__all__ = ["lazy_explorer", "eps_explorer", "toy_explorer", "dmft_explorer", "modular_mlp_explorer",
           "slider_figure", "StaticSlider", "grokking_slider", "alpha_animation", "eps_explorer_static",
           "sweep_animation", "dmft_rho_slider", "sweep_slider_html"]
