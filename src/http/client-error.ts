import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Requests Node's HTTP parser refuses before any route sees them (a lying Content-Length, broken chunked
 * framing, bytes after the declared end of a body). Fastify's default answers "400 Bad Request", which
 * is all twine shows (it prints only the reason phrase): the reason here says what was wrong, and the
 * JSON body carries the same sentence in `error` for npm.
 */
const REASONS: Record<string, [number, string]> = {
  HPE_INVALID_CONTENT_LENGTH: [
    400,
    "Malformed HTTP request: the Content-Length header is not a valid length.",
  ],
  HPE_UNEXPECTED_CONTENT_LENGTH: [
    400,
    "Malformed HTTP request: send either Content-Length or Transfer-Encoding: chunked, not both.",
  ],
  HPE_INVALID_TRANSFER_ENCODING: [
    400,
    "Malformed HTTP request: the Transfer-Encoding header is not valid, or comes with a Content-Length.",
  ],
  HPE_INVALID_CHUNK_SIZE: [400, "Malformed HTTP request: a chunk size of the chunked body is not valid."],
  HPE_INVALID_EOF_STATE: [400, "Malformed HTTP request: the connection closed before the body was complete."],
  HPE_INVALID_HEADER_TOKEN: [400, "Malformed HTTP request: a header has characters HTTP does not allow."],
  HPE_LF_EXPECTED: [400, "Malformed HTTP request: a line does not end in CRLF."],
  HPE_CR_EXPECTED: [400, "Malformed HTTP request: a line does not end in CRLF."],
  HPE_HEADER_OVERFLOW: [431, "Request headers too large: send at most 16 KiB of headers."],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "The request took too long to arrive; try again."],
  ERR_HTTP_HEADERS_TIMEOUT: [408, "The request headers took too long to arrive; try again."],
};

/** The answer for a parser error; `afterRequest` when it came after a complete request on the socket. */
export function clientErrorAnswer(code: string | undefined, afterRequest: boolean): [number, string] {
  if (afterRequest && (code === "HPE_INVALID_METHOD" || code === "HPE_INVALID_CONSTANT"))
    return [400, "Malformed HTTP request: bytes after the end of the body (is the Content-Length right?)."];
  return REASONS[code ?? ""] ?? [400, `Malformed HTTP request (${code ?? "unreadable"}).`];
}

export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight?.headersSent) {
    // The request before the bad bytes is being answered: let that answer finish, then close.
    if (inFlight.writableFinished) socket.destroy();
    else inFlight.once("finish", () => socket.destroy());
    return;
  }
  const [status, reason] = clientErrorAnswer(err.code, Boolean(inFlight));
  const body = JSON.stringify({ error: reason, code: err.code ?? "CLIENT_ERROR" });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  // Half-close and drain rather than destroy: a close with unread bytes in the receive buffer sends an
  // RST, and the client may lose the answer before reading it.
  socket.end();
  socket.resume();
  setTimeout(() => socket.destroy(), 5_000).unref();
}
