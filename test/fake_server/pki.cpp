// The test PKI, made with OpenSSL 3 when first needed: nothing secret is ever
// stored in the repository, and every run has its own keys.
#include <openai/images/testing/fake_server.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace openai::images::testing {
namespace {

struct key_free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct x509_free {
    void operator()(X509* c) const noexcept { X509_free(c); }
};
struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, key_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("test_pki: ") + what + " failed");
}

void check(int rc, const char* what) {
    if (rc <= 0)
        fail(what);
}

key_ptr make_key() {
    key_ptr k(EVP_EC_gen("P-256"));
    if (!k)
        fail("EVP_EC_gen");
    return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        fail("X509V3_EXT_conf_nid");
    const int rc = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(rc, "X509_add_ext");
}

void set_name(X509_NAME* name, const char* cn) {
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("openai-images tests"),
                                     -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn), -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
}

// A certificate for `key` named `cn`, signed by issuer_key (itself when
// issuer is null). Valid from an hour ago (clock skew) for 30 days.
x509_ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                   const char* san) {
    x509_ptr cert(X509_new());
    if (!cert)
        fail("X509_new");
    check(X509_set_version(cert.get(), 2), "X509_set_version");

    unsigned char serial_bytes[16];
    check(RAND_bytes(serial_bytes, sizeof serial_bytes), "RAND_bytes");
    serial_bytes[0] &= 0x7F;  // positive
    BIGNUM* bn = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
    if (!bn)
        fail("BN_bin2bn");
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    if (!serial)
        fail("BN_to_ASN1_INTEGER");

    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600))
        fail("X509_gmtime_adj");
    check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
    set_name(X509_get_subject_name(cert.get()), cn);
    X509* signer = issuer ? issuer : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)), "X509_set_issuer_name");

    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (ca) {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
        add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        add_ext(cert.get(), signer, NID_subject_alt_name, san);
        if (issuer)
            add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    }
    if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0)
        fail("X509_sign");
    return cert;
}

std::string to_pem(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_pem(X509* cert) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    check(bio ? PEM_write_bio_X509(bio.get(), cert) : 0, "PEM_write_bio_X509");
    return to_pem(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    check(bio ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) : 0,
          "PEM_write_bio_PrivateKey");
    return to_pem(bio.get());
}

pki generate() {
    pki p;
    const char* local_san = "IP:127.0.0.1,DNS:localhost";

    key_ptr ca_key = make_key();
    x509_ptr ca = make_cert(ca_key.get(), "openai-images test CA", nullptr, ca_key.get(), true, "");
    p.ca_cert_pem = cert_pem(ca.get());

    key_ptr server_key = make_key();
    x509_ptr server =
        make_cert(server_key.get(), "127.0.0.1", ca.get(), ca_key.get(), false, local_san);
    p.server_cert_pem = cert_pem(server.get());
    p.server_key_pem = key_pem(server_key.get());

    key_ptr wrong_key = make_key();
    x509_ptr wrong = make_cert(wrong_key.get(), "other.example", ca.get(), ca_key.get(), false,
                               "DNS:other.example");
    p.wrong_host_cert_pem = cert_pem(wrong.get());
    p.wrong_host_key_pem = key_pem(wrong_key.get());

    key_ptr untrusted_key = make_key();
    x509_ptr untrusted =
        make_cert(untrusted_key.get(), "127.0.0.1", nullptr, untrusted_key.get(), false, local_san);
    p.untrusted_cert_pem = cert_pem(untrusted.get());
    p.untrusted_key_pem = key_pem(untrusted_key.get());
    return p;
}

}  // namespace

const pki& test_pki() {
    static const pki instance = generate();
    return instance;
}

std::filesystem::path write_ca_file(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const auto path = dir / "ca.pem";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::string& pem = test_pki().ca_cert_pem;
    out.write(pem.data(), static_cast<std::streamsize>(pem.size()));
    out.close();
    if (!out)
        throw std::runtime_error("write_ca_file: cannot write " + path.string());
    return path;
}

}  // namespace openai::images::testing
