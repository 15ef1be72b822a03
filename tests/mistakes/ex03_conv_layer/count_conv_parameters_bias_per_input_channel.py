"""ex03 mistake: count_conv_parameters counts c_in biases"""

EXPECT = 'you counted one bias per input map (c_in): there is one bias per'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * c_in * kh * kw + (c_in if bias else 0)
