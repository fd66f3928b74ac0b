"""The torch layer's defaults, in a module without torch so that the command line can show them:
the reference implementation's n0 = 100, n = 100,000, alpha = 0.001 and batches of 1000."""
N0, N, ALPHA, BATCH_SIZE = 100, 100_000, 0.001, 1000

# the demo (fastsmooth demo, demo.run): digits per noise, draws per certificate, RMS, epochs, output folder
DEMO_NUM, DEMO_N, DEMO_RMS, DEMO_EPOCHS, DEMO_OUT = 200, 1000, 0.25, 3, "fastsmooth-demo"
TOLERANCE = 0.02  # adaptive certification without radii: stop when the radius could grow by at most 2%
