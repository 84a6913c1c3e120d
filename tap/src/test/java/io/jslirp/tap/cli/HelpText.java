package io.jslirp.tap.cli;

import java.util.regex.Pattern;

/** How a test asks whether help text names a flag, the way a runtime's grep would have to. */
public final class HelpText {
    private HelpText() {
    }

    /** The flag as a whole word: "-c" inside "--configure" or "--outbound-addr" inside "--outbound-addr6" do not count. */
    public static boolean listed(String text, String flag) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(flag) + "(?![\\w-])").matcher(text).find();
    }
}
