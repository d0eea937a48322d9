#include "tls_context.hpp"

#include <openai/images/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "tls_stream.hpp"

namespace openai::images::detail {
namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void bad_ca_file(client_errc e, const std::string& path, const std::string& why) {
    diagnostics diag;
    diag.assign("tls.ca_file", "tls.ca_file '" + path + "'" + why);
    throw client_error(e, diag);
}

// Trusts the certificates (and CRLs) of a PEM file, as load_verify_file
// would, but read here first so that a failure says why: OpenSSL only says
// that it could not load the file, whether it is missing or holds no PEM.
// A deleter type rather than decltype(&std::fclose): glibc 2.41 declares
// fclose with attributes, which GCC 14 warns are dropped in a template argument.
struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

void load_ca_file(ssl::context& ctx, const std::string& path) {
    std::string pem;
    {
        const std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
        if (!f) {
            bad_ca_file(client_errc::file_open_failed, path,
                        std::string(" cannot be opened: ") + std::strerror(errno));
        }
        char chunk[4096];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0)
            pem.append(chunk, n);
        if (std::ferror(f.get())) {  // a directory opens, then fails to read
            bad_ca_file(client_errc::file_open_failed, path,
                        std::string(" cannot be read: ") + std::strerror(errno));
        }
    }
    if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        bad_ca_file(client_errc::invalid_ca_file, path, ": over 2 GiB, not a CA file");
    using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
    const bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio)
        throw std::bad_alloc();
    auto free_infos = [](STACK_OF(X509_INFO) * s) { sk_X509_INFO_pop_free(s, X509_INFO_free); };
    const std::unique_ptr<STACK_OF(X509_INFO), decltype(free_infos)> infos(
        PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr), free_infos);
    if (!infos) {
        const auto why = ssl_error().message();
        ERR_clear_error();
        bad_ca_file(client_errc::invalid_ca_file, path, ": a PEM block cannot be read: " + why);
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
    int certificates = 0;
    for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
        const X509_INFO* info = sk_X509_INFO_value(infos.get(), i);
        if (info->x509 != nullptr) {
            if (X509_STORE_add_cert(store, info->x509) != 1)
                bad_ca_file(client_errc::invalid_ca_file, path, ": " + ssl_error().message());
            // Computes the certificate's cached extensions now, on one
            // thread. OpenSSL computes them on first use, and two handshakes
            // verifying against it at once on two threads can both store them
            // while the other reads (openssl/openssl#32609, a data race TSan
            // reports in ASN1_STRING_cmp).
            X509_check_purpose(info->x509, -1, 0);
            ++certificates;
        }
        if (info->crl != nullptr && X509_STORE_add_crl(store, info->crl) != 1)
            bad_ca_file(client_errc::invalid_ca_file, path, ": " + ssl_error().message());
    }
    if (certificates == 0)
        bad_ca_file(client_errc::invalid_ca_file, path, ": no PEM certificate found");
}

constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const tls_options& opts) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // TLS 1.3 suites in the order browsers and Go offer them: AES-128-GCM is
    // as safe as AES-256-GCM and cheaper to decrypt (about 1.4x in `openssl
    // speed` here), which matters for large b64_json answers. The server
    // still chooses.
    if (SSL_CTX_set_ciphersuites(ctx->native_handle(), tls13_ciphersuites) != 1)
        throw boost::system::system_error(detail::ssl_error(), "SSL_CTX_set_ciphersuites");
    if (opts.insecure_skip_verify) {
        ctx->set_verify_mode(ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(ssl::verify_peer);
    if (!opts.ca_file.empty()) {
        load_ca_file(*ctx, opts.ca_file);
    } else {
        boost::system::error_code ec;
        ctx->set_default_verify_paths(ec);
    }
    return ctx;
}

}  // namespace openai::images::detail
