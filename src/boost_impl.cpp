// The one translation unit that compiles Asio, Asio.SSL and Beast; every other
// file (ours and the users') sees only their declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
