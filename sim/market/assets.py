"""The two assets every account holds, by index: the quote currency and the traded token."""

QUOTE = 0  # the quote currency (USDT)
ASSET = 1  # the traded token
