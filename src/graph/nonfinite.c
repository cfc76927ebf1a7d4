/* Where training diverged: the first node whose value, or else whose
 * gradient, holds a NaN or an infinity.  Values are searched in forward
 * order and gradients in backward order, so the node reported is where the
 * bad number first appeared, not one it merely flowed into. */
#include "graph/workspace.h"
#include "kernels/kernels.h"

gf_node gf_first_nonfinite(const gf_workspace *ws, gf_node upto, int grads, int *in_gradient)
{
    if (in_gradient) *in_gradient = 0;
    if (!ws || upto < 0 || upto >= ws->g->n_nodes) return GF_NONE;
    for (gf_node i = 0; i <= upto; i++) {
        gf_tview v;
        gf__view(ws, i, &v);
        if (!gf__all_finite(v.n, v.v)) return i;
    }
    if (!grads) return GF_NONE;
    for (gf_node i = upto; i >= 0; i--) {
        /* Only gradients the last backward wrote: the others hold older
         * steps' numbers, or nothing yet.  Parameters it did not reach
         * were zeroed, so they are finite either way. */
        gf_tview v;
        gf__view(ws, i, &v);
        if (!v.d || !ws->written[i]) continue;
        if (!gf__all_finite(v.n, v.d)) {
            if (in_gradient) *in_gradient = 1;
            return i;
        }
    }
    return GF_NONE;
}
