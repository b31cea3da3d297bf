# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The compiled prefilter of batch screening: one pass over an Arrow text column that sets
aside the texts which certainly use no Olympic property, so that only the others take the
Python reference path (``Engine.screen``).

Contract, per text (``scan_array`` over a string column, ``scan_text`` for one str):

* ``CLEAN`` (0): the text's token view holds no hit of a property pattern (a mark variant or a
  ring description, as written or in a multi-letter look-alike form) that ``TermMatcher``
  could accept (a whole token, or SHORT letters or more anywhere: a hit glued to brand-like
  affixes counts), no three one-letter tokens in a row
  that begin a property pattern spelt apart (``spaced``: the patterns without spaces), no whole
  token that a several-word mark is looked at for, and no token
  the fuzzy pass would look at (six letters or more, first three or last four letters shared
  with a long mark, not in the lexicon, not yet known to be no misspelling). The reference
  then finds no property and no misspelling in it.
* ``FUZZY`` (1): as CLEAN, except that the fuzzy pass has something to look at; the view is
  returned and the caller asks ``FuzzyMatcher.find`` (the reference) about it.
* ``REFER`` (2): anything else: a possible hit, a title that is missing, blank or too long.
  The caller screens the row with the reference path.
* ``OTHER`` (3): text with a character that has no ASCII form in the view (letters of other
  scripts, the ring emoji: ``char`` says), or a title only ``str.strip`` can tell blank; the
  caller decides.

The token view is computed exactly as ``normalize.normalize`` does (steps 1 to 5 of
docs/screening.md), for text whose every character has an ASCII form or is a letter of
another script that no property pattern holds (``normalize.ascii_char``, called once per
character and remembered; such a letter is one stand-in byte, LETTER, in the kernel's view:
it matches no pattern and takes part in the steps as a letter); ``view`` exposes it so that a property test holds the two
equal. The kernel decides "clean" only; it never decides that a listing is flagged, and it is
conservative where the reference looks further (the lexicon of real words is not consulted for
term hits: such a hit is REFER and the reference drops it).
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.string cimport memchr

from array import array

cdef enum:
    S_CLEAN = 0
    S_FUZZY = 1
    S_REFER = 2
    S_OTHER = 3
    NSYM = 38  # the view's alphabet: space, a-z, 0-9, LETTER
    LETTER = 0x80  # a letter of another script that no pattern holds (see ``ascii_char``)
    PROPERTY = 0
    PHRASE = 1

CLEAN = S_CLEAN
FUZZY = S_FUZZY
REFER = S_REFER
OTHER = S_OTHER

cdef int SYM[256]
cdef unsigned char CTYPE[256]  # 1 letter, 2 digit, 4 Python whitespace (str.split)


cdef void _init_tables() noexcept:
    cdef int i
    for i in range(256):
        SYM[i] = -1
        CTYPE[i] = 0
    SYM[32] = 0
    for i in range(26):
        SYM[97 + i] = 1 + i
        CTYPE[97 + i] = 1
        CTYPE[65 + i] = 1
    for i in range(10):
        SYM[48 + i] = 27 + i
        CTYPE[48 + i] = 2
    for i in b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f":
        CTYPE[i] = 4
    SYM[LETTER] = 37
    CTYPE[LETTER] = 1


_init_tables()


cdef inline bint _is_leet_digit(unsigned char c) noexcept:
    return c == 48 or c == 49 or c == 51 or c == 52 or c == 53 or c == 55  # 0 1 3 4 5 7


cdef inline unsigned char _leet(unsigned char c) noexcept:
    # normalize._LEET for ASCII: 0 1 3 4 5 7 $ @ ! |
    if c == 48:
        return 111  # o
    if c == 49 or c == 33 or c == 124:
        return 108  # l
    if c == 51:
        return 101  # e
    if c == 52 or c == 64:
        return 97  # a
    if c == 53 or c == 36:
        return 115  # s
    if c == 55:
        return 116  # t
    return c


cdef Py_ssize_t _finish(unsigned char* a, Py_ssize_t m, unsigned char* out,
                        const int* origin, int* out_origin) noexcept:
    """Steps 3 to 5 over the mapped ASCII text ``a[:m]`` (in place), into ``out``; with
    ``origin`` (the input character of each of ``a``), ``out_origin`` gets the input character
    of each of ``out``, as ``normalize.trace`` gives it (-1 for the spaces at the ends)."""
    cdef Py_ssize_t i, j, k, p, letters, digits, first
    cdef unsigned char c, prev
    cdef bint ok
    # 3. leet, per whitespace token where letters outnumber digits: runs of leet digits alone,
    #    and the symbols $ @ ! |
    i = 0
    while i < m:
        if CTYPE[a[i]] == 4:
            i += 1
            continue
        j = i
        letters = 0
        digits = 0
        while j < m and CTYPE[a[j]] != 4:
            if CTYPE[a[j]] == 1:
                letters += 1
            elif CTYPE[a[j]] == 2:
                digits += 1
            j += 1
        if letters > 0 and letters > digits:
            k = i
            while k < j:
                c = a[k]
                if CTYPE[c] == 2:
                    p = k
                    ok = True
                    while p < j and CTYPE[a[p]] == 2:
                        if not _is_leet_digit(a[p]):
                            ok = False
                        p += 1
                    if ok:
                        while k < p:
                            a[k] = _leet(a[k])
                            k += 1
                    k = p
                    continue
                if c == 36 or c == 64 or c == 33 or c == 124:
                    a[k] = _leet(c)
                k += 1
        i = j
    # 4. and 5. a space between letters and digits, separator runs to one space, runs of three
    #    or more equal letters to one, one space at each end.
    out[0] = 32
    if out_origin:
        out_origin[0] = -1
    k = 1
    prev = 32
    i = 0
    while i < m:
        c = a[i]
        if CTYPE[c] == 1 or CTYPE[c] == 2:
            if prev != 32 and CTYPE[prev] != CTYPE[c]:
                out[k] = 32
                if out_origin:
                    out_origin[k] = origin[i]
                k += 1
            first = i
            if 97 <= c <= 122:  # a-z only
                j = i + 1
                while j < m and a[j] == c:
                    j += 1
                if j - i >= 3:  # equal letters apart (separator, digit) are no run
                    i = j - 1
            out[k] = c
            if out_origin:
                out_origin[k] = origin[first]
            k += 1
            prev = c
        elif prev != 32:
            out[k] = 32
            if out_origin:
                out_origin[k] = origin[i]
            k += 1
            prev = 32
        i += 1
    if prev != 32:
        out[k] = 32
        k += 1
    if k == 1:
        out[1] = 32
        k = 2
    if out_origin:
        out_origin[k - 1] = -1
    return k




cdef class Kernel:
    """The automaton and tables of one engine (see the module docstring for the contract)."""

    cdef int[:] _goto
    cdef int[:] _out_start
    cdef int[:] _out_ids
    cdef int[:] _plen
    cdef int[:] _letters
    cdef unsigned char[:] _space
    cdef unsigned char[:] _boundary
    cdef unsigned char[:] _kind
    cdef unsigned char[:] _prefix
    cdef unsigned char[:] _suffix
    cdef unsigned char[:] _spaced
    cdef int _min_token, _short, _mid_word
    cdef object _lexicon
    cdef object _clean
    cdef object _char
    cdef dict _chars

    def __init__(self, patterns, spaced, phrase_words, prefixes, suffixes, int min_token,
                 int short, int mid_word, lexicon, clean, ascii_char):
        entries = []
        for pattern, boundary in patterns:
            if _in_alphabet(pattern):
                entries.append((pattern, PROPERTY, bool(boundary)))
        for word in phrase_words:
            if _in_alphabet(word):
                entries.append((word, PHRASE, True))
        self._build(entries)
        prefix = bytearray(NSYM ** 3)
        suffix = bytearray(NSYM ** 4)
        for p in prefixes:
            if len(p) == 3 and _in_alphabet(p):
                prefix[_code(p)] = 1
        for s in suffixes:
            if len(s) == 4 and _in_alphabet(s):
                suffix[_code(s)] = 1
        self._prefix = prefix
        starts = bytearray(NSYM ** 3)
        for p in spaced:
            if len(p) >= 3 and _in_alphabet(p[:3]):
                starts[_code(p[:3])] = 1
        self._spaced = starts
        self._suffix = suffix
        self._min_token = min_token
        self._short = short
        self._mid_word = mid_word
        self._lexicon = lexicon
        self._clean = clean  # the fuzzy pass's own memory of words that are no misspelling
        self._char = ascii_char  # normalize.ascii_char: a character that is not ASCII, as ASCII
        self._chars = {}

    def _build(self, entries):
        goto = [[-1] * NSYM]
        outputs = [[]]
        for pid, (pattern, _, _) in enumerate(entries):
            state = 0
            for ch in pattern.encode("ascii"):
                s = SYM[ch]
                if goto[state][s] < 0:
                    goto.append([-1] * NSYM)
                    outputs.append([])
                    goto[state][s] = len(goto) - 1
                state = goto[state][s]
            outputs[state].append(pid)
        fail = [0] * len(goto)
        queue = []
        for s in range(NSYM):
            if goto[0][s] < 0:
                goto[0][s] = 0
            else:
                queue.append(goto[0][s])
        head = 0
        while head < len(queue):
            state = queue[head]
            head += 1
            outputs[state] = outputs[state] + [
                o for o in outputs[fail[state]] if o not in outputs[state]
            ]
            for s in range(NSYM):
                child = goto[state][s]
                if child < 0:
                    goto[state][s] = goto[fail[state]][s]
                else:
                    fail[child] = goto[fail[state]][s]
                    queue.append(child)
        self._goto = array("i", [t for row in goto for t in row])
        starts = [0]
        ids = []
        for out in outputs:
            ids.extend(out)
            starts.append(len(ids))
        self._out_start = array("i", starts)
        self._out_ids = array("i", ids or [0])
        self._plen = array("i", [len(p) for p, _, _ in entries] or [0])
        self._letters = array("i", [len(p.replace(" ", "")) for p, _, _ in entries] or [0])
        self._space = bytearray([" " in p for p, _, _ in entries] or [0])
        self._boundary = bytearray([b for _, _, b in entries] or [0])
        self._kind = bytearray([k for _, k, _ in entries] or [0])

    cdef Py_ssize_t _view(self, const unsigned char* text, Py_ssize_t n,
                          unsigned char* a, unsigned char* out,
                          int* origin=NULL, int* out_origin=NULL) except -2:
        """The token view of UTF-8 ``text`` (``n`` bytes) into ``out`` (room for 4n + 2; ``a``
        is scratch with room for 2n); returns its length, or -1 when a character has no ASCII
        form (``normalize.ascii_char``). Same result as normalize.normalize."""
        cdef Py_ssize_t i, j, k, m = 0, run, p, letters, digits, width
        cdef int char_index = 0  # of the input character at byte i
        cdef unsigned char c, prev
        cdef bint camel, ok
        cdef long code
        cdef bytes mapped
        # 1. CamelCase: a maximal run of ASCII letters of the form ([A-Z][a-z]{2,}){2,} gets a
        #    space before each capital but the first; 2. lower case, i and I become l, other
        #    characters through the character map.
        i = 0
        while i < n:
            c = text[i]
            if c >= 128:
                if c >= 0xF8 or c < 0xC0:
                    return -1  # not UTF-8: the caller's decoding says what it is
                if c >= 0xF0:
                    width = 4
                    code = c & 0x07
                elif c >= 0xE0:
                    width = 3
                    code = c & 0x0F
                else:
                    width = 2
                    code = c & 0x1F
                if i + width > n:
                    return -1
                for j in range(1, width):
                    if (text[i + j] & 0xC0) != 0x80:
                        return -1
                    code = (code << 6) | (text[i + j] & 0x3F)
                if (code > 0x10FFFF or 0xD800 <= code <= 0xDFFF
                        or code < (0x80 if width == 2 else (0x800 if width == 3 else 0x10000))):
                    return -1  # out of range, a surrogate, or an overlong form
                mapped = self._chars.get(code, None)
                if mapped is None:
                    if code in self._chars:
                        return -1
                    found = self._char(code)
                    mapped = None if found is None else found.encode("latin-1")
                    self._chars[code] = mapped
                    if mapped is None:
                        return -1
                for j in range(len(mapped)):
                    a[m] = mapped[j]
                    if origin:
                        origin[m] = char_index
                    m += 1
                i += width
                char_index += 1
                continue
            if CTYPE[c] != 1:
                a[m] = c
                if origin:
                    origin[m] = char_index
                m += 1
                i += 1
                char_index += 1
                continue
            j = i
            while j < n and CTYPE[text[j]] == 1:
                j += 1
            # is text[i:j] ([A-Z][a-z]{2,}){2,} ?
            k = i
            run = 0
            ok = True
            while k < j:
                if not (65 <= text[k] <= 90):
                    ok = False
                    break
                p = k + 1
                while p < j and 97 <= text[p] <= 122:
                    p += 1
                if p - k - 1 < 2:
                    ok = False
                    break
                run += 1
                k = p
            camel = ok and run >= 2
            for k in range(i, j):
                c = text[k]
                if camel and k > i and c <= 90:
                    a[m] = 32
                    if origin:
                        origin[m] = char_index
                    m += 1
                if c <= 90:
                    c += 32
                if c == 105:
                    c = 108
                a[m] = c
                if origin:
                    origin[m] = char_index
                m += 1
                char_index += 1
            i = j
        return _finish(a, m, out, origin, out_origin)


    def view(self, str text):
        """The token view of a text (as ``normalize.normalize``), or None where the kernel
        leaves the text to the caller (OTHER); for tests."""
        cdef bytes raw = text.encode("utf-8")
        cdef Py_ssize_t n = len(raw)
        cdef unsigned char* a = <unsigned char*> PyMem_Malloc(2 * n + 1)
        cdef unsigned char* out = <unsigned char*> PyMem_Malloc(4 * n + 3)
        cdef Py_ssize_t k
        try:
            k = self._view(<const unsigned char*> raw, n, a, out)
            if k < 0 or memchr(out, LETTER, k) != NULL:
                return None
            return PyUnicode_DecodeASCII(<char*> out, k, NULL)
        finally:
            PyMem_Free(a)
            PyMem_Free(out)

    def trace(self, str text):
        """``normalize.trace(text)``: the view and the input character of each of its
        characters; None where the kernel leaves the text to the caller (OTHER)."""
        cdef bytes raw = text.encode("utf-8")
        cdef Py_ssize_t n = len(raw), k, j
        cdef unsigned char* a = <unsigned char*> PyMem_Malloc(2 * n + 1)
        cdef unsigned char* out = <unsigned char*> PyMem_Malloc(4 * n + 3)
        cdef int* origin = <int*> PyMem_Malloc((2 * n + 1) * sizeof(int))
        cdef int* out_origin = <int*> PyMem_Malloc((4 * n + 3) * sizeof(int))
        try:
            k = self._view(<const unsigned char*> raw, n, a, out, origin, out_origin)
            if k < 0 or memchr(out, LETTER, k) != NULL:
                return None
            return (
                PyUnicode_DecodeASCII(<char*> out, k, NULL),
                [out_origin[j] for j in range(k)],
            )
        finally:
            PyMem_Free(a)
            PyMem_Free(out)
            PyMem_Free(origin)
            PyMem_Free(out_origin)

    def scan_array(self, arr, Py_ssize_t max_chars, bint title):
        """Statuses (bytes, one per row) of a pyarrow string or large_string array, and the
        views of the FUZZY rows by row number. A title (``title=True``) that is null, longer
        than ``max_chars`` characters or blank is REFER (OTHER when only ``str.strip`` can
        tell blank); otherwise a null or empty text is CLEAN, and only its first ``max_chars``
        characters are looked at."""
        cdef Py_ssize_t rows = len(arr)
        statuses = bytearray(rows)
        views = {}
        if rows == 0:
            return bytes(statuses), views
        buffers = arr.buffers()
        cdef bint large = str(arr.type) == "large_string"
        cdef Py_ssize_t base = arr.offset
        cdef const unsigned char[:] valid_mv
        cdef bint has_valid = buffers[0] is not None
        if has_valid:
            valid_mv = memoryview(buffers[0]).cast("B")
        cdef const unsigned char[:] offsets_mv = memoryview(buffers[1]).cast("B")
        cdef const int* off32 = <const int*> &offsets_mv[0]
        cdef const long long* off64 = <const long long*> &offsets_mv[0]
        cdef const unsigned char[:] data_mv
        cdef const unsigned char* data = NULL
        if buffers[2] is not None and len(buffers[2]) > 0:
            data_mv = memoryview(buffers[2]).cast("B")
            data = &data_mv[0]
        cdef unsigned char[:] st = statuses
        cdef Py_ssize_t i, r, start, end, n, longest = 0, k, chars
        for i in range(rows):
            r = base + i
            n = (off64[r + 1] - off64[r]) if large else (off32[r + 1] - off32[r])
            if n > longest:
                longest = n
        if longest > 4 * max_chars:
            longest = 4 * max_chars
        cdef unsigned char* a = <unsigned char*> PyMem_Malloc(2 * longest + 1)
        cdef unsigned char* out = <unsigned char*> PyMem_Malloc(4 * longest + 3)
        cdef const unsigned char* text
        cdef int status
        cdef bint ascii
        try:
            for i in range(rows):
                r = base + i
                if has_valid and not (valid_mv[r >> 3] >> (r & 7)) & 1:
                    st[i] = S_REFER if title else S_CLEAN
                    continue
                if large:
                    start = off64[r]
                    end = off64[r + 1]
                else:
                    start = off32[r]
                    end = off32[r + 1]
                n = end - start
                text = data + start
                ascii = _ascii(text, n)
                if title:
                    if _blank(text, n):
                        st[i] = S_REFER if ascii else S_OTHER
                        continue
                    if (n if ascii else _chars(text, n)) > max_chars:
                        st[i] = S_REFER
                        continue
                elif n > max_chars:
                    n = max_chars if ascii else _prefix_bytes(text, n, max_chars)
                if n == 0:
                    st[i] = S_CLEAN
                    continue
                k = self._view(text, n, a, out)
                if k < 0:
                    st[i] = S_OTHER
                    continue
                status = self._status(out, k)
                st[i] = status
                if status == S_FUZZY:
                    views[i] = PyUnicode_DecodeASCII(<char*> out, k, NULL)
        finally:
            PyMem_Free(a)
            PyMem_Free(out)
        return bytes(statuses), views

    cdef int _status(self, const unsigned char* view, Py_ssize_t k) except -1:
        cdef int state = 0, pid, j
        cdef Py_ssize_t i, start, end, t0, length, kept = 0
        cdef unsigned char ch, w1 = 0, w2 = 0, w3 = 0
        cdef bint at_start, at_end, fuzzy = False
        cdef const int* goto = &self._goto[0]
        cdef const int* out_start = &self._out_start[0]
        cdef const int* out_ids = &self._out_ids[0]
        cdef const int* plen = &self._plen[0]
        for i in range(k):
            state = goto[state * NSYM + SYM[view[i]]]
            for j in range(out_start[state], out_start[state + 1]):
                pid = out_ids[j]
                end = i + 1
                start = end - plen[pid]
                at_start = view[start - 1] == 32
                at_end = view[end] == 32
                if self._kind[pid] == PHRASE:
                    if at_start and at_end:
                        fuzzy = True
                    continue
                if self._boundary[pid]:
                    # any hit of SHORT letters or more may count: at a token's start, inside a
                    # word, or glued between brand-like affixes (``TermMatcher._accept``)
                    if self._letters[pid] < self._short and not (at_start and at_end):
                        continue
                return S_REFER
        # tokens: runs of one-letter tokens are searched spelt apart (a hit starts with three
        # letters of the run, repeated letters counted once); long tokens may be misspellings
        i = 1
        while i < k:
            t0 = i
            while i < k and view[i] != 32:
                i += 1
            length = i - t0
            i += 1
            if length == 0:
                continue
            if length == 1:
                ch = view[t0]
                if not (kept and ch == w3 and CTYPE[ch] == 1):
                    w1, w2, w3 = w2, w3, ch
                    kept += 1
                    if kept >= 3 and self._spaced[
                        (SYM[w1] * NSYM + SYM[w2]) * NSYM + SYM[w3]
                    ]:
                        return S_REFER
                continue
            kept = 0
            if length >= self._min_token and not fuzzy and (
                self._prefix[_code_at(view + t0, 3)]
                or self._suffix[_code_at(view + t0 + length - 4, 4)]
            ):
                if memchr(view + t0, LETTER, length) != NULL:
                    return S_OTHER  # a word of two scripts: the caller asks the fuzzy pass
                token = PyUnicode_DecodeASCII(<const char*> view + t0, length, NULL)
                if token not in self._lexicon and token not in self._clean:
                    fuzzy = True
        if fuzzy and memchr(view, LETTER, k) != NULL:
            return S_OTHER  # the view to hand over is not this one
        return S_FUZZY if fuzzy else S_CLEAN


cdef inline bint _ascii(const unsigned char* text, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    for i in range(n):
        if text[i] >= 128:
            return False
    return True


cdef inline bint _blank(const unsigned char* text, Py_ssize_t n) noexcept:
    """No ASCII character but whitespace (other characters may be whitespace too)."""
    cdef Py_ssize_t i
    for i in range(n):
        if text[i] < 128 and CTYPE[text[i]] != 4:
            return False
    return True


cdef inline Py_ssize_t _chars(const unsigned char* text, Py_ssize_t n) noexcept:
    """Characters in UTF-8 text."""
    cdef Py_ssize_t i, count = 0
    for i in range(n):
        if (text[i] & 0xC0) != 0x80:
            count += 1
    return count


cdef inline Py_ssize_t _prefix_bytes(const unsigned char* text, Py_ssize_t n, Py_ssize_t chars) noexcept:
    """Bytes of the first ``chars`` characters of UTF-8 text."""
    cdef Py_ssize_t i, count = 0
    for i in range(n):
        if (text[i] & 0xC0) != 0x80:
            if count == chars:
                return i
            count += 1
    return n


cdef inline Py_ssize_t _code_at(const unsigned char* s, int width) noexcept:
    cdef Py_ssize_t code = 0
    cdef int i
    for i in range(width):
        code = code * NSYM + SYM[s[i]]
    return code


def _in_alphabet(str text):
    return text.isascii() and all(SYM[ord(c)] >= 0 and ord(c) < 128 for c in text)


def _code(str text):
    code = 0
    for c in text:
        code = code * NSYM + SYM[ord(c)]
    return code


def blank_ids(arr):
    """Rows (bytes, 1 = look closer) of a string or large_string id column that are null or
    hold no ASCII character other than whitespace: only those can be missing ids."""
    cdef Py_ssize_t rows = len(arr)
    flags = bytearray(rows)
    if rows == 0:
        return bytes(flags)
    buffers = arr.buffers()
    cdef bint large = str(arr.type) == "large_string"
    cdef Py_ssize_t base = arr.offset
    cdef const unsigned char[:] valid_mv
    cdef bint has_valid = buffers[0] is not None
    if has_valid:
        valid_mv = memoryview(buffers[0]).cast("B")
    cdef const unsigned char[:] offsets_mv = memoryview(buffers[1]).cast("B")
    cdef const int* off32 = <const int*> &offsets_mv[0]
    cdef const long long* off64 = <const long long*> &offsets_mv[0]
    cdef const unsigned char[:] data_mv
    cdef const unsigned char* data = NULL
    if buffers[2] is not None and len(buffers[2]) > 0:
        data_mv = memoryview(buffers[2]).cast("B")
        data = &data_mv[0]
    cdef unsigned char[:] fl = flags
    cdef Py_ssize_t i, r, start, end, p
    cdef bint blank
    for i in range(rows):
        r = base + i
        if has_valid and not (valid_mv[r >> 3] >> (r & 7)) & 1:
            fl[i] = 1
            continue
        start = off64[r] if large else off32[r]
        end = off64[r + 1] if large else off32[r + 1]
        blank = True
        for p in range(start, end):
            if data[p] < 128 and CTYPE[data[p]] != 4:
                blank = False
                break
        fl[i] = blank
    return bytes(flags)
