"""Natural, uncatalogued bugs of ex01-ex05 (tests/test_diagnosis_natural_bugs.py).

Each entry: (exercise prefix, name, source). The source redefines one graded function of the
solution, with a bug a student plausibly writes that is NOT in the exercise's mistake catalogue
(off-by-one loops, integer truncation, a transposed output, a stride in one axis only...). The
diagnosis may describe the symptom, but must never name a catalogued mistake for them.
"""

NATURAL_BUGS: list[tuple[str, str, str]] = [
    # ---------------------------------------------------------------- ex01
    ("ex01", "convolve1d_loop_one_short", '''
def convolve1d(x, w, mode="full"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n - 1):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''),
    ("ex01", "convolve1d_reversed_output", '''
def convolve1d(x, w, mode="full"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    full = full[::-1]
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''),
    ("ex01", "convolve1d_length_n_plus_k", '''
def convolve1d(x, w, mode="full"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''),
    ("ex01", "correlate1d_last_tap_dropped", '''
def correlate1d(x, w, mode="valid"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    padded = np.concatenate([np.zeros(k - 1, dtype=x.dtype), x, np.zeros(k - 1, dtype=x.dtype)])
    full = np.array([np.dot(padded[t:t + k - 1], w[:-1]) for t in range(n + k - 1)], dtype=np.result_type(x, w))
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, k) - 1) // 2
        return full[start:start + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''),
    ("ex01", "correlate1d_mode_ignored", '''
def correlate1d(x, w, mode="valid"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    padded = np.concatenate([np.zeros(k - 1, dtype=x.dtype), x, np.zeros(k - 1, dtype=x.dtype)])
    return np.array([np.dot(padded[t:t + k], w) for t in range(n + k - 1)], dtype=np.result_type(x, w))
'''),
    # ---------------------------------------------------------------- ex02
    ("ex02", "correlate2d_loop_stops_one_window_early", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    Hp, Wp = xp.shape
    rows = list(range(0, Hp - kh, stride))
    cols = list(range(0, Wp - kw, stride))
    y = np.zeros((len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            y[a, b] = np.sum(xp[i:i + kh, j:j + kw] * w)
    return y
'''),
    ("ex02", "correlate2d_no_padding_at_all", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    h_out = (x.shape[0] + 2 * padding - kh) // stride + 1
    w_out = (x.shape[1] + 2 * padding - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return y
'''),
    ("ex02", "correlate2d_stride_in_columns_only", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[0] - kh) + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(xp[i:i + kh, j * stride:j * stride + kw] * w)
    return y
'''),
    ("ex02", "correlate2d_stride_size_but_not_index", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(xp[i:i + kh, j:j + kw] * w)
    return y
'''),
    ("ex02", "correlate2d_square_output_assumed", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[0] - kh) // stride + 1
    y = np.zeros((h_out, h_out))
    for i in range(h_out):
        for j in range(h_out):
            win = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[i, j] = np.sum(win * w) if win.shape == w.shape else 0.0
    return y
'''),
    ("ex02", "convolve2d_transposed_output", '''
def convolve2d(x, w, stride=1, padding=0):
    w = np.asarray(w)
    return correlate2d(x, w[::-1, ::-1], stride=stride, padding=padding).T
'''),
    ("ex02", "conv_output_size_precedence", '''
def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    span = dilation * (k - 1) + 1
    return n - span + 2 * padding // stride + 1
'''),
    ("ex02", "conv_output_size_plus_two", '''
def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    span = dilation * (k - 1) + 1
    return (n + 2 * padding - span) // stride + 2
'''),
    # ---------------------------------------------------------------- ex03
    ("ex03", "conv_layer_forward_bias_twice", '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = 2 * bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
'''),
    ("ex03", "conv_layer_forward_loop_one_short", '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride
    w_out = (xp.shape[2] - kw) // stride
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
'''),
    ("ex03", "conv_layer_forward_bias_on_last_axis", '''
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
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out + bias
'''),
    ("ex03", "conv_layer_forward_transposed_maps", '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out.transpose(0, 2, 1)
'''),
    ("ex03", "count_conv_parameters_plus_one", '''
def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return c_out * c_in * kh * kw + (c_out + 1 if bias else 0)
'''),
    ("ex03", "count_conv_parameters_kernel_sum", '''
def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return c_out * c_in * (kh + kw) + (c_out if bias else 0)
'''),
    # ---------------------------------------------------------------- ex04
    ("ex04", "max_pool2d_loop_one_short", '''
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    rows = range(0, x.shape[-2] - kh, sh)
    cols = range(0, x.shape[-1] - kw, sw)
    out = np.zeros(x.shape[:-2] + (len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            out[..., a, b] = x[..., i:i + kh, j:j + kw].max(axis=(-2, -1))
    return out
'''),
    ("ex04", "max_pool2d_stride_in_rows_only", '''
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j:j + kw].max(axis=(-2, -1))
    return out
'''),
    ("ex04", "avg_pool2d_integer_division", '''
def avg_pool2d(x, size, stride=None):
    x = np.asarray(x)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = np.floor(x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].sum(axis=(-2, -1)) / (kh * kw))
    return out
'''),
    ("ex04", "avg_pool2d_transposed_output", '''
def avg_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(-2, -1))
    return np.swapaxes(out, -1, -2)
'''),
    ("ex04", "adaptive_max_pool2d_end_off_by_one", '''
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh) + 1
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow) + 1
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
'''),
    # ---------------------------------------------------------------- ex05
    ("ex05", "receptive_field_no_minus_one", '''
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * k * jump
        jump *= s
    return r
'''),
    ("ex05", "receptive_field_returns_jump", '''
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return jump
'''),
    ("ex05", "receptive_field_jump_added", '''
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump += s - 1
    return r
'''),
    # ---------------------------------------------------------------- more, across exercises
    ("ex02", "correlate2d_matrix_product", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            win = xp[i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[i, j] = np.sum(win @ w.T) if kh != kw else np.sum(win @ w)
    return y
'''),
    ("ex02", "correlate2d_edge_padding", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding, mode="edge")
    h_out = (xp.shape[0] - kh) // stride + 1
    w_out = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(xp[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return y
'''),
    ("ex02", "correlate2d_size_from_unpadded_map", '''
def correlate2d(x, w, stride=1, padding=0):
    x = np.asarray(x, dtype=float); w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    xp = np.pad(x, padding)
    h_out = (x.shape[0] - kh) // stride + 1
    w_out = (x.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            y[i, j] = np.sum(xp[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return y
'''),
    ("ex03", "conv_layer_forward_transposed_kernels", '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            k = weight[i, j].T if kh == kw else weight[i, j]
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * k)
    return out
'''),
    ("ex03", "conv_layer_forward_stride_rows_only", '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c:c + kw] * weight[i, j])
    return out
'''),
    ("ex04", "avg_pool2d_stride_rows_only", '''
def avg_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j:j + kw].mean(axis=(-2, -1))
    return out
'''),
]
