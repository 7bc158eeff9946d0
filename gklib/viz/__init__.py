"""What the course draws: figures in one house style, static sliders for the HTML book, live explorers.

The models, trainers and theory never import this subpackage.

- :mod:`gklib.viz.style` — the house style (:func:`use_style`, called once per chapter), the panel layout
  (:func:`panel_axes`) and the parameters' displayed names (:data:`PARAM_LABELS`);
- :mod:`gklib.viz.figures` — loss curves (:func:`plot_losses`, the one loss plotter), sweeps
  (:func:`plot_sweep`), the committee machine's decomposition and phase diagram, laziness figures;
- :mod:`gklib.viz.kernel_figures` — chapter 2's kernel-spectrum figures (re-exported by ``figures``);
- :mod:`gklib.viz.slider` — :func:`slider_figure`, the one static-slider builder (precomputed frames behind
  an HTML range input), and the chapters' static sliders, its presets;
- :mod:`gklib.viz.explorers` — the ipywidgets live explorers (JupyterLab) and :func:`live_explorer`;
- :mod:`gklib.viz.chapter_explorers` — :func:`chapter_explorer`: each chapter's explorer at its sizes;
- :mod:`gklib.viz.story` — the lazy-to-rich story of the introduction and chapters 1–3 (Fig 1 with its
  diagnostics, the schematic, mode learning);
- :mod:`gklib.viz.nets` — chapter 5: sweeps at the column width, laziness along training, seed sweeps;
- :mod:`gklib.viz.sweeps` — chapter 5: a seed sweep as a static slider, one output scale per frame;
- :mod:`gklib.viz.dmft` — chapter 4: DMFT against simulations, alignment and escape, convergence,
  the train–test gap against 1/ρ, its static slider and live explorer.
"""
from . import chapter_explorers, dmft, explorers, figures, kernel_figures, nets, slider, style, sweeps
from .chapter_explorers import CHAPTER_EXPLORERS, chapter_explorer, explorer_settings
from .dmft import (dmft_explorer, dmft_rho_slider, plot_alignment, plot_convergence, plot_dmft_vs_simulation,
                   plot_escape_scaling, plot_gap_vs_rho, plot_grokking_curve)
from .explorers import (ExplorerPlaceholder, live_explorer, LiveFigure, lazy_explorer, eps_explorer,
                        toy_explorer, modular_mlp_explorer)
from .figures import (step_axis, loss_range, plot_losses, panel_axes, sweep_labels, plot_sweep,
                      plot_weight_norm, plot_grokking, plot_decomposition, draw_toy_panels,
                      draw_vs_linear, plot_vs_linear, plot_powerlaw, plot_phase_diagram,
                      plot_spectrum, plot_eps_panel, plot_sweep_split)
from .nets import (compare_runs_figure, delay_figure, laziness_figure, markdown_table, plot_seed_sweep, plot_tracked,
                   run_slider_html, seed_sweep_figure, sweep_figure, condition_seed_figure)
from .sweeps import seed_slider_html
from .slider import (StaticSlider, slider_figure, SLIDER_DPI, DEFAULT_NOTE, sweep_animation,
                     grokking_slider, alpha_animation, eps_explorer_static, sweep_slider_html)
from .style import PARAM_LABELS, TEXT_WIDTH, param_label, use_style
from .story import plot_lazy_rich, plot_lazy_rich_schematic, plot_mode_learning

__all__ = (["use_style", "TEXT_WIDTH", "PARAM_LABELS", "param_label",
            "plot_lazy_rich", "plot_lazy_rich_schematic", "plot_mode_learning"]
           + figures.__all__ + slider.__all__ + explorers.__all__ + chapter_explorers.__all__ + nets.__all__
           + sweeps.__all__
           + ["plot_dmft_vs_simulation", "plot_alignment", "plot_gap_vs_rho", "plot_convergence", "dmft_rho_slider",
              "dmft_explorer", "plot_grokking_curve", "plot_escape_scaling"])
