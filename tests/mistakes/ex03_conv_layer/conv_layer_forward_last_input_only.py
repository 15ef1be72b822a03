"""ex03 mistake: conv_layer_forward overwrites instead of adding, then adds the bias"""

EXPECT = 'only the LAST input map counts in your output'


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] = np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
        out[i] += bias[i]
    return out
