"""ex03 mistake: conv_layer_forward combines input map i with output map i only"""

EXPECT = 'you combined input map i only with output map i: every output map'


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        if i < c_in:  # output map i from input map i only
            for r in range(h_out):
                for c in range(w_out):
                    window = xp[i, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, r, c] = np.sum(window * weight[i, i])
        out[i] += bias[i]
    return out
