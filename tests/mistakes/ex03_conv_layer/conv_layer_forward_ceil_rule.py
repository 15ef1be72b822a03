"""ex03 mistake: conv_layer_forward keeps a last window that does not fit"""

EXPECT = 'you kept a last window that does not fit (rounding up):'


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding + kh), (padding, padding + kw)))
    h_out = int(np.ceil((x.shape[1] + 2 * padding - kh) / stride)) + 1
    w_out = int(np.ceil((x.shape[2] + 2 * padding - kw) / stride)) + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    window = xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, r, c] += np.sum(window * weight[i, j])
        out[i] += bias[i]
    return out
