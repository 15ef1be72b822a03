"""ex03 mistake: count_conv_parameters squares the kernel height"""

EXPECT = 'kernel_size=(kH, kW) may be rectangular: a kernel has kH * kW'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    return c_out * c_in * kh * kh + (c_out if bias else 0)
