package org.powerquant.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Keeps libtorch's deprecation warning ({@code AutoNonVariableTypeMode is deprecated}, printed on
 * the first inference of every run) off the user's stderr without hiding anything else: file
 * descriptor 2 is redirected into a pipe that a thread copies to the real stderr line by line,
 * dropping only lines that carry a {@link #DROPPED known warning}. Native errors, Java's own stderr
 * and every other line pass unchanged. Linux and macOS, through JNA (a DJL dependency); where that
 * is unavailable, nothing is filtered.
 */
final class NativeStderrFilter implements AutoCloseable {

    /** Text of the native warnings dropped. */
    static final String[] DROPPED = {"AutoNonVariableTypeMode is deprecated"};

    /** The C library calls used. */
    interface CLibrary extends Library {
        int pipe(int[] fds);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);

        NativeLong write(int fd, byte[] buffer, NativeLong count);
    }

    private static final NativeStderrFilter NONE = new NativeStderrFilter(null, -1, null);

    private final CLibrary libc;
    private final int savedStderr;
    private final Thread pump;

    private NativeStderrFilter(CLibrary libc, int savedStderr, Thread pump) {
        this.libc = libc;
        this.savedStderr = savedStderr;
        this.pump = pump;
    }

    /**
     * Redirects file descriptor 2 through the filter.
     *
     * @return the filter; closing it restores stderr and waits until every line is copied
     */
    static NativeStderrFilter install() {
        if (Boolean.getBoolean("powerquant.rawStderr")) {
            return NONE;
        }
        try {
            CLibrary libc = Native.load("c", CLibrary.class);
            int[] fds = new int[2];
            if (libc.pipe(fds) != 0) {
                return NONE;
            }
            int saved = libc.dup(2);
            InputStream in = new FileInputStream("/proc/self/fd/" + fds[0]);
            // written through the duplicated descriptor itself, not a reopening of its file: that
            // would truncate a file stderr was redirected to, and lose `2>>`'s append and the
            // offset
            // a `> log 2>&1` shares with stdout
            OutputStream out = new DescriptorOutputStream(libc, saved);
            System.err.flush();
            if (saved < 0 || libc.dup2(fds[1], 2) < 0) {
                in.close();
                out.close();
                return NONE;
            }
            libc.close(fds[1]);
            libc.close(fds[0]);
            Thread pump =
                    new Thread(
                            () -> {
                                try (in;
                                        out) {
                                    copy(in, out);
                                } catch (IOException e) {
                                    // stderr is gone; nothing can be reported
                                }
                            },
                            "powerquant-stderr-filter");
            pump.setDaemon(true);
            pump.start();
            return new NativeStderrFilter(libc, saved, pump);
        } catch (IOException | LinkageError | RuntimeException e) {
            return NONE;
        }
    }

    /**
     * Copies lines from a stream to another, dropping the known native warnings.
     *
     * @param in the captured stderr
     * @param out the real stderr
     * @throws IOException if either fails
     */
    static void copy(InputStream in, OutputStream out) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (int i = 0; i < n; i++) {
                line.write(buffer[i]);
                if (buffer[i] == '\n') {
                    emit(line, out);
                }
            }
            if (in.available() == 0 && line.size() > 0 && !startsDropped(line)) {
                // a partial line (a prompt, a progress bar): pass it on now
                emit(line, out);
            }
        }
        emit(line, out);
    }

    private static boolean startsDropped(java.io.ByteArrayOutputStream line) {
        String text = line.toString(java.nio.charset.StandardCharsets.UTF_8);
        return text.startsWith("[W") || text.startsWith("Warning");
    }

    private static void emit(java.io.ByteArrayOutputStream line, OutputStream out)
            throws IOException {
        if (line.size() == 0) {
            return;
        }
        String text = line.toString(java.nio.charset.StandardCharsets.UTF_8);
        boolean drop = false;
        for (String dropped : DROPPED) {
            drop |= text.contains(dropped);
        }
        if (!drop) {
            line.writeTo(out);
            out.flush();
        }
        line.reset();
    }

    /** Writes to a file descriptor with {@code write(2)}, as the process's own stderr does. */
    private static final class DescriptorOutputStream extends OutputStream {
        private final CLibrary libc;
        private final int fd;

        DescriptorOutputStream(CLibrary libc, int fd) {
            this.libc = libc;
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int done = 0;
            while (done < len) {
                byte[] rest = java.util.Arrays.copyOfRange(b, off + done, off + len);
                long n = libc.write(fd, rest, new NativeLong(rest.length)).longValue();
                if (n <= 0) {
                    throw new IOException("stderr (descriptor " + fd + ") cannot be written");
                }
                done += (int) n;
            }
        }
    }

    @Override
    public void close() {
        if (pump == null) {
            return;
        }
        System.err.flush();
        libc.dup2(savedStderr, 2);
        try {
            pump.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
