"""ex03 mistake: count_conv_parameters counts biases even with bias=False"""

EXPECT = 'with bias=False the layer has no biases: count only the c_out * c_in'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * c_in * kh * kw + c_out
