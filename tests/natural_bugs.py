"""Natural bugs of ex01-ex05, written the way students err (tests/test_diagnosis.py).

Each entry of :data:`NATURAL_BUGS`: (exercise prefix, name, source). The source redefines one
graded function of the solution with a bug a student plausibly writes (off-by-one loops, integer
truncation, a transposed output, a stride in one axis only, `=` where `+=` belongs, np.pad on
every axis, a jump that adds the strides...). :data:`HONEST` gives, for each, the honest message:
the words its first failing test must say, and the catalogued mistakes it may name. Most are not
in the catalogue: the diagnosis then describes the symptom and names no mistake. Those a
catalogued mistake explains on every case (the student did make that mistake) may name it, and
only it.
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

    # ---------------------------------------------------------------- ex03, written for issue 19
    ("ex03", "conv_layer_forward_overwrites_then_adds_bias", """
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
"""),
    ("ex03", "conv_layer_forward_bias_first_then_overwrites", """
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
                    out[i, r, c] = np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_np_pad_all_axes", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, padding)
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_stride_in_size_only", """
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
                    out[i, r, c] += np.sum(xp[j, r:r + kh, c:c + kw] * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_size_from_unpadded", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (x.shape[1] - kh) // stride + 1
    w_out = (x.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_pads_rows_only", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (0, 0)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_bias_of_input_map", """
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
        out[i] += bias[min(i, c_in - 1)]
    return out
"""),
    ("ex03", "conv_layer_forward_weight_j_i", """
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
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[j, i])
    return out
"""),
    ("ex03", "conv_layer_forward_kernel_height_for_width", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kh) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""),
    ("ex03", "count_conv_parameters_forgot_c_out_on_weights", """
def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return c_in * kh * kw + (c_out if bias else 0)
"""),
    ("ex03", "count_conv_parameters_bias_flag_inverted", """
def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return c_out * c_in * kh * kw + (0 if bias else c_out)
"""),
    # ---------------------------------------------------------------- ex04, written for issue 19
    ("ex04", "max_pool2d_stride_defaults_to_one", """
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = 1
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "max_pool2d_int_size_assumed", """
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    if stride is None:
        stride = size
    h_out = (x.shape[-2] - size) // stride + 1
    w_out = (x.shape[-1] - size) // stride + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "max_pool2d_pair_read_as_width_height", """
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kw, kh = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kw, kh)
    sw, sh = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = (x.shape[-2] - kh) // sh + 1
    w_out = (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "max_pool2d_max_over_channels_too", """
def max_pool2d(x, size, stride=None):
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
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].max()
    return out
"""),
    ("ex04", "max_pool2d_size_from_map_over_stride", """
def max_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=float)
    kh, kw = (size, size) if np.ndim(size) == 0 else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    h_out = x.shape[-2] // sh
    w_out = x.shape[-1] // sw
    out = np.zeros(x.shape[:-2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "avg_pool2d_divides_by_size_squared", """
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
            out[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].sum(axis=(-2, -1)) / (kh * kh)
    return out
"""),
    ("ex04", "avg_pool2d_window_steps_by_size", """
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
            out[..., i, j] = x[..., i * kh:i * kh + kh, j * kw:j * kw + kw].mean(axis=(-2, -1))
    return out
"""),
    ("ex04", "adaptive_max_pool2d_array_split", """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    rows = np.array_split(np.arange(x.shape[-2]), oh)
    cols = np.array_split(np.arange(x.shape[-1]), ow)
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out[..., i, j] = x[..., r[0]:r[-1] + 1, c[0]:c[-1] + 1].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "adaptive_max_pool2d_int_of_true_division", """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = int(i * h / oh), int((i + 1) * h / oh)
        for j in range(ow):
            c0, c1 = int(j * w / ow), int((j + 1) * w / ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "adaptive_max_pool2d_pair_read_as_width_height", """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    ow, oh = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "adaptive_max_pool2d_height_used_for_columns", """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * h) // ow, -(-((j + 1) * h) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
"""),
    ("ex04", "adaptive_max_pool2d_round_edges", """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = round(i * h / oh), round((i + 1) * h / oh)
        for j in range(ow):
            c0, c1 = round(j * w / ow), round((j + 1) * w / ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].max(axis=(-2, -1))
    return out
"""),
    # ---------------------------------------------------------------- ex05, written for issue 19
    ("ex05", "receptive_field_jump_plus_stride", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump += s
    return r
"""),
    ("ex05", "receptive_field_loop_skips_last_layer", """
def receptive_field(layers):
    r, jump = 1, 1
    for i in range(len(layers) - 1):
        k, s = layers[i][0], layers[i][1]
        d = layers[i][2] if len(layers[i]) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_dilation_squared", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * d * (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_adds_strides", """
def receptive_field(layers):
    r = 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) + (s - 1)
    return r
"""),
    ("ex05", "receptive_field_jump_updated_first", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        jump *= s
        r += d * (k - 1) * jump
    return r
"""),
    ("ex05", "receptive_field_two_values_unpacked", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[:2]
        r += (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_dilated_span_times_jump", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += (d * (k - 1) + 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_walks_from_the_output", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in reversed(layers):
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_starts_at_zero", """
def receptive_field(layers):
    r, jump = 0, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_jump_is_previous_stride", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump = s
    return r
"""),
    ("ex05", "receptive_field_unpacks_three", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s, d = layer
        r += d * (k - 1) * jump
        jump *= s
    return r
"""),
    ("ex05", "receptive_field_dilation_added", """
def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += (k - 1 + d - 1) * jump
        jump *= s
    return r
"""),
    ("ex03", "conv_layer_forward_bias_inside_the_sum", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        pass
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    win = xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, r, c] += np.sum(win * weight[i, j]) + bias[i]
    return out
"""),
    ("ex03", "conv_layer_forward_edge_padding", """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)), mode='edge')
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    win = xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, r, c] += np.sum(win * weight[i, j])
    return out
"""),
    ("ex03", "conv_layer_forward_relu_applied", """
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
                    win = xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, r, c] += np.sum(win * weight[i, j])
    return np.maximum(out, 0)
"""),
    ("ex04", "avg_pool2d_divides_by_window_size_of_all_maps", """
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
            window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[..., i, j] = window.sum(axis=(-2, -1)) / window.size
    return out
"""),
    ("ex05", "receptive_field_multiplies_spans", """
def receptive_field(layers):
    r = 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r *= d * (k - 1) + 1
    return r
"""),
]

HONEST: dict[str, tuple[str, frozenset[str]]] = {
    # name: (words the first failing test's message must hold, the catalogued mistakes it may name)
    "convolve1d_loop_one_short": ("your output differs first at index 3 for mode='full': you return 1.0, expected 4.0", frozenset()),
    "convolve1d_reversed_output": ("your output differs first at index 0 for mode='full': you return 1.5, expected 0.0", frozenset()),
    "convolve1d_length_n_plus_k": ("your output has length 6, expected 5 for mode='full'", frozenset()),
    "correlate1d_last_tap_dropped": ("input: x = [1, 2, 3]; w = [0, 1, 0.5]; mode = 'full'", frozenset()),
    "correlate1d_mode_ignored": ("your output has length 5, expected 3 for mode='same'", frozenset()),
    "correlate2d_loop_stops_one_window_early": (
        "one window too few along each axis: your output is 4×4, expected 5×5 for x of shape (5, 5), w of shape (3, 3), "
        "padding=1; the values you return are right, the last ones are missing (do your loops stop before the last window?)",
        frozenset()),
    "correlate2d_no_padding_at_all": ("the slice taken for one window was 3×2, smaller than the 3×3 kernel", frozenset()),
    "correlate2d_stride_in_columns_only": ("2 rows too many: your output is 5×3, expected 3×3", frozenset()),
    "correlate2d_stride_size_but_not_index": ("its values are those of stride 1", frozenset({"stride_in_size_only"})),
    "correlate2d_square_output_assumed": ("one column too few: your output is 6×6, expected 6×7", frozenset()),
    "convolve2d_transposed_output": ("rows and columns are swapped", frozenset()),
    "conv_output_size_precedence": ("conv_output_size returned 9 for n=15, k=4, stride=2, padding=3, dilation=3, expected 6",
                                    frozenset()),
    "conv_output_size_plus_two": ("returned 15 for n=17, k=4, stride=1, padding=3, dilation=3, expected 14", frozenset()),
    "conv_layer_forward_bias_twice": ("each map of your output is off by one constant at every position (map 0: +1, map 1: -2)",
                                      frozenset()),
    "conv_layer_forward_loop_one_short": ("one window too few along each axis: your output is 2×1×1, expected 2×2×2", frozenset()),
    "conv_layer_forward_bias_on_last_axis": ("your output differs first at [0, 0, 1]", frozenset()),
    "conv_layer_forward_transposed_maps": ("your output is the transpose of the expected one", frozenset()),
    "count_conv_parameters_plus_one": ("returned 96 for c_in=3, c_out=5, kernel_size=(2, 3), expected 95", frozenset()),
    "count_conv_parameters_kernel_sum": ("returned 80 for c_in=3, c_out=5, kernel_size=(2, 3), expected 95", frozenset()),
    "max_pool2d_loop_one_short": ("one window too few along each axis: your output is 1×1, expected 2×2", frozenset()),
    "max_pool2d_stride_in_rows_only": ("one column too many: your output is 2×3, expected 2×2", frozenset()),
    "avg_pool2d_integer_division": ("you return 2.0, expected 2.5", frozenset()),
    "avg_pool2d_transposed_output": ("your output is the transpose of the expected one", frozenset()),
    "adaptive_max_pool2d_end_off_by_one": ("your output differs first at [1, 1] for x of shape (5, 5), output_size=3", frozenset()),
    "receptive_field_no_minus_one": ("what adding d*k*jump per layer gives", frozenset({"kernel_not_minus_one"})),
    "receptive_field_returns_jump": ("your number is the product of all the strides", frozenset({"returned_jump"})),
    "receptive_field_jump_added": ("a jump grown by s - 1 per layer", frozenset({"jump_added_minus_one"})),
    "correlate2d_matrix_product": ("you return 21.0, expected 6.0 (25 of 25 values wrong", frozenset()),
    "correlate2d_edge_padding": ("you return 21.0, expected 6.0 (13 of 25 values wrong", frozenset()),
    "correlate2d_size_from_unpadded_map": ("2 windows too few along each axis: your output is 3×3, expected 5×5", frozenset()),
    "conv_layer_forward_transposed_kernels": ("you used each kernel transposed", frozenset({"transposed_kernels"})),
    "conv_layer_forward_stride_rows_only": ("2 columns too many: your output is 2×2×4, expected 2×2×2", frozenset()),
    "avg_pool2d_stride_rows_only": ("one column too many: your output is 2×3, expected 2×2", frozenset()),
    # ex03, written for issue 19
    "conv_layer_forward_overwrites_then_adds_bias": ("only the LAST input map counts", frozenset({"last_input_only"})),
    "conv_layer_forward_bias_first_then_overwrites": ("the LAST input map only, without the bias",
                                                      frozenset({"last_input_only_no_bias"})),
    "conv_layer_forward_np_pad_all_axes": ("you padded the map axis too", frozenset({"padding_channels"})),
    "conv_layer_forward_stride_in_size_only": ("its values are those of stride 1", frozenset({"stride_in_size_only"})),
    "conv_layer_forward_size_from_unpadded": (
        "2 windows too few along each axis: your output is 2×2×2, expected 2×4×4 for x of shape (2, 3, 3)", frozenset()),
    "conv_layer_forward_pads_rows_only": ("2 columns too few: your output is 2×4×2, expected 2×4×4", frozenset({"padding_rows_only"})),
    "conv_layer_forward_bias_of_input_map": ("off by one constant at every position (map 0: +0, map 1: +2, map 2: +0)", frozenset()),
    "conv_layer_forward_weight_j_i": ("you used weight[j, i] where weight[i, j] belongs", frozenset({"weight_axes_swapped"})),
    "conv_layer_forward_kernel_height_for_width": ("the slice taken for one window was 2×2, smaller than the 2×3 kernel", frozenset()),
    "count_conv_parameters_forgot_c_out_on_weights": ("returned 23 for c_in=3, c_out=5, kernel_size=(2, 3), expected 95",
                                                      frozenset()),
    "count_conv_parameters_bias_flag_inverted": ("returned 90 for c_in=3, c_out=5, kernel_size=(2, 3), expected 95", frozenset()),
    # ex04, written for issue 19
    "max_pool2d_stride_defaults_to_one": ("the stride defaults to the window size", frozenset({"default_stride_one"})),
    "max_pool2d_int_size_assumed": ("max_pool2d(x: 4×6 array, size=(2, 3)) raised TypeError", frozenset()),
    "max_pool2d_pair_read_as_width_height": ("one row too few and one column too many: your output is 1×3, expected 2×2",
                                             frozenset({"pair_reversed"})),
    "max_pool2d_max_over_channels_too": ("every map of your output holds the same values", frozenset({"over_all_maps"})),
    "max_pool2d_size_from_map_over_stride": ("one window too many along each axis: your output is 4×4, expected 3×3", frozenset()),
    "avg_pool2d_divides_by_size_squared": ("you divided by size_h * size_h", frozenset({"divided_by_height_squared"})),
    "avg_pool2d_window_steps_by_size": ("you return 1.66667, expected 2.0", frozenset()),
    "adaptive_max_pool2d_array_split": ("your bins are np.array_split", frozenset({"array_split_bins"})),
    "adaptive_max_pool2d_int_of_true_division": ("your bins end at floor((i+1)*n/out)", frozenset({"floor_ends"})),
    "adaptive_max_pool2d_pair_read_as_width_height": ("you read output_size the other way round", frozenset({"pair_reversed"})),
    "adaptive_max_pool2d_height_used_for_columns": ("adaptive_max_pool2d(x: 2×10×7 array, output_size=(4, 7)) raised ValueError",
                                                    frozenset()),
    "adaptive_max_pool2d_round_edges": ("you rounded evenly spaced edges", frozenset({"linspace_round"})),
    # ex05, written for issue 19
    "receptive_field_jump_plus_stride": ("a jump that ADDS the strides (jump += s)", frozenset({"jump_added"})),
    "receptive_field_loop_skips_last_layer": ("all the layers but the LAST one", frozenset({"last_layer_missing"})),
    "receptive_field_dilation_squared": ("your number counts the dilation twice", frozenset({"dilation_twice"})),
    "receptive_field_adds_strides": ("the strides do not add cells of their own", frozenset({"strides_added"})),
    "receptive_field_jump_updated_first": ("you updated the jump before using it", frozenset({"jump_includes_own_stride"})),
    "receptive_field_two_values_unpacked": ("you ignored the dilation", frozenset({"ignore_dilation"})),
    # with dilation 1 (the kernel and stride checks) the span d*(k - 1) + 1 is k: d*k*jump per layer describes the output
    "receptive_field_dilated_span_times_jump": (
        "receptive_field returned 46 for layers=[(5, 2, 3), (4, 3, 3), (2, 2)] (the right sum: 1 + 3*4*1 + 3*3*2 + 1*6 = 37), "
        "expected 37", frozenset({"kernel_not_minus_one"})),
    "receptive_field_walks_from_the_output": ("you walked the layers in the wrong order", frozenset({"reversed_order"})),
    "receptive_field_starts_at_zero": ("you forgot the + 1", frozenset({"no_plus_one"})),
    "receptive_field_jump_is_previous_stride": ("you multiplied by the previous layer's stride only",
                                                frozenset({"previous_stride_only"})),
    "receptive_field_unpacks_three": (
        "receptive_field(layers=[(5, 2, 3), (4, 3, 3), (2, 2)]) raised ValueError: not enough values to unpack "
        "(expected 3, got 2); expected 37", frozenset()),
    "conv_layer_forward_bias_inside_the_sum": ("you added the bias once per input map (C_in times)", frozenset({"bias_per_input_map"})),
    "conv_layer_forward_edge_padding": (
        "your output differs first at [0, 0, 0] for x of shape (2, 3, 3), weight of shape (2, 2, 2, 2), bias [1, -2], padding=1: you return 3.0, expected 2.0",
        frozenset()),
    "conv_layer_forward_relu_applied": (
        "your output is the expected one with every negative value set to 0 (what a ReLU does) for x of shape (2, 3, 3)",
        frozenset()),
    "avg_pool2d_divides_by_window_size_of_all_maps": (
        "every value of your output is 0.5 times the expected one for x of shape (2, 4, 4), size=2",
        frozenset()),
    # with dilation 1 (the kernel and stride checks) a product of spans is the product of the kernel sizes
    "receptive_field_multiplies_spans": (
        "receptive_field returned 260 for layers=[(5, 2, 3), (4, 3, 3), (2, 2)]",
        frozenset({"multiply_kernels"})),
    "receptive_field_dilation_added": ("receptive_field returned 23 for layers=[(5, 2, 3), (4, 3, 3), (2, 2)]", frozenset()),
}
"""The honest message of each natural bug: the words its first failing test (in check-id order,
visible before hidden) must say, and the catalogued mistakes its messages may name (on every
check it fails; none named where the set is empty)."""
