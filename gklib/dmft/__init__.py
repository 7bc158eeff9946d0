r"""Dynamical mean field theory (DMFT) of the toy model (paper v1 §5.3 and App. 13) — chapter 4 of the course
and the DMFT derivation page.

Setting: the committee machine :math:`f=\frac\alpha N\sum_i\phi(\boldsymbol w_i\cdot\boldsymbol x)`,
:math:`\phi(h)=h+\frac\epsilon2h^2`, **uncentred**, trained by full-batch GD on
:math:`P=\rho D` points :math:`\boldsymbol x\sim\mathcal N(0,I/D)` with target
:math:`y=\frac12(\boldsymbol\beta_\star\cdot\boldsymbol x)^2`, in the limit :math:`P,D\to\infty` at
fixed :math:`\rho=P/D` and width :math:`N`. Time follows the DMFT derivation page (Setting): one GD step of
:func:`gklib.train` with ``lr_scale = c`` is a DMFT time step :math:`\Delta t=2c/D`.

Order parameters (:math:`N\times N` blocks or :math:`N`-vectors on the grid :math:`t_n=n\Delta t`):
:math:`C(t,s)=W(t)W(s)^\top/D`, :math:`\boldsymbol m(t)=W(t)\boldsymbol\beta_\star/D`,
:math:`q_\star=|\boldsymbol\beta_\star|^2/D`, the gradient correlation :math:`G(t,s)`, the responses
:math:`R^g(t,s)`, :math:`R^w(t,s)=\Phi(t,s)` and the signal drift :math:`\boldsymbol\nu(t)`.

Calls: the model's essentials come first, positionally (``N``, ``rho``, ``alpha``, ``eps``); every
other argument — :math:`q_\star`, the initial ``C0``, ``m0``, the grid, the sample counts — is
keyword-only, e.g. ``solve_dmft(2, 10.0, 1.0, 0.25, m0=typical_m0(2, 400), dt=0.4, steps=60)``.

Contents

* closed forms and the online (ρ → ∞, Saad–Solla) limit: :func:`cm_test_loss`, :func:`online_response`,
  :func:`weight_alignment`, :func:`solve_online`, :func:`escape_rate`, :func:`escape_time`,
  :func:`typical_m0`, the exact ε = 0 solution :func:`linear_gd_losses` (:mod:`gklib.dmft.online`);
* the finite-ρ solver :func:`solve_dmft` (:mod:`gklib.dmft.solver`; its fixed Gaussian draws in
  :mod:`gklib.dmft.draws`) and the train–test gap to
  leading order in 1/ρ, :func:`gap_leading_order`, :func:`gap_from_dmft` (:mod:`gklib.dmft.gap`);
* finite-D simulations in the same units, :func:`simulate_dmft_setting`, all seeds batched
  :func:`simulate_batch` (:mod:`gklib.dmft.sim`); their records :class:`SimulationResult` and the
  seed-matched theory :func:`dmft_matched` (:mod:`gklib.dmft.results`);
* the saddle-escape experiment :func:`escape_scaling` (:mod:`gklib.dmft.escape`);
* single runs' crossing times and their spread against D, :func:`~gklib.dmft.delay.crossing_times`,
  :func:`censored_quantiles`, :func:`delay_scan`, and the DMFT's time shift for a run's growing mode,
  :func:`kick_prediction`, :func:`mode_growth_rate`, :func:`rank_correlation` (:mod:`gklib.dmft.delay`);
* the chapter's figures, static slider and live explorer are not here but in :mod:`gklib.viz.dmft`.
"""
from .gap import gap_from_dmft, gap_leading_order
from .online import cm_test_loss, escape_rate, escape_time, linear_gd_losses, online_response, typical_m0, weight_alignment
from .saad_solla import OnlineResult, solve_online
from .delay import DelayScan, crossing_times, delay_scan, kick_prediction
from .escape import EscapeScaling, escape_scaling, first_time_below
from .results import DMFTAverage, SimulationResult, dmft_matched
from .sim import order_params, simulate_batch, simulate_dmft_setting
from .solver import DMFTResult, propagator, solve_dmft, weight_process_closure
from .stats import censored_quantiles, mode_growth_rate, rank_correlation

__all__ = [
    "cm_test_loss", "online_response", "escape_rate", "escape_time", "OnlineResult", "solve_online",
    "DMFTResult", "solve_dmft", "propagator", "weight_process_closure", "gap_leading_order",
    "gap_from_dmft", "SimulationResult", "order_params", "simulate_dmft_setting", "DMFTAverage", "dmft_matched",
    "EscapeScaling", "escape_scaling", "first_time_below",
    "weight_alignment", "typical_m0",
    # chapter 4.5 (the delay and the scatter of single runs) and the derivation page's check
    "simulate_batch", "crossing_times", "censored_quantiles", "DelayScan", "delay_scan",
    "kick_prediction", "linear_gd_losses", "mode_growth_rate", "rank_correlation",
]
