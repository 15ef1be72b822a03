"""ex03 mistake: conv_layer_forward keeps one map per (output, input) pair"""

EXPECT = 'you kept one map per (output, input) pair instead of summing over the'


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, c_in, h_out, w_out))
    for i in range(c_out):
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    window = xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, j, r, c] = np.sum(window * weight[i, j]) + bias[i]
        pass
    return out
