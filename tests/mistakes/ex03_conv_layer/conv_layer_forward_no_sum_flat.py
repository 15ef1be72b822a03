"""ex03 mistake: conv_layer_forward returns C_out * C_in maps"""

EXPECT = 'you returned C_out * C_in maps, one per (output, input) pair: the'


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    maps = []
    for i in range(c_out):
        for j in range(c_in):  # one map per (output, input) pair: 2 x 2 -> 4 maps
            m = np.zeros((h_out, w_out))
            for r in range(h_out):
                for c in range(w_out):
                    m[r, c] = np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j]) + bias[i]
            maps.append(m)
    return np.array(maps)
