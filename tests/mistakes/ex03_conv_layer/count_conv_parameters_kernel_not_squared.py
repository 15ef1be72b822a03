"""ex03 mistake: count_conv_parameters uses k instead of k*k for an int kernel_size"""

EXPECT = 'kernel_size=k (an int) means a k x k kernel: k * k weights per'


def count_conv_parameters(c_in, c_out, kernel_size, bias=True):
    if np.ndim(kernel_size) == 0:
        size = kernel_size  # k, not k * k
    else:
        size = kernel_size[0] * kernel_size[1]
    return c_out * c_in * size + (c_out if bias else 0)
