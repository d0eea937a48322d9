// The TLS client context a client makes for itself from tls_options: TLS 1.2
// or newer, TLS 1.3 suites in a fast order, peer verification against the
// system's CAs or a CA file read here (so that a bad file says why).
#pragma once

#include <openai/images/options.hpp>

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace openai::images::detail {

/// Throws client_error (file_open_failed, invalid_ca_file) naming tls.ca_file.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& opts);

}  // namespace openai::images::detail
