// Status codes shared by every part of the engine.
//
// The engine never throws: everything that can fail returns a Status, and
// status_name() gives a stable lower_snake_case name for messages.
#pragma once

namespace microlearn {

enum class Status : int {
    ok = 0,
    bad_magic = 1,            // not an .mlm file
    bad_checksum = 2,         // CRC32 does not match the contents
    unsupported_version = 3,  // written by a newer format version
    unsupported_kind = 4,     // a model kind this reader (or this call) does not handle
    size_mismatch = 5,        // a length disagrees with what the model expects
    out_of_range = 6,         // an index, offset or count points outside its table
    truncated = 7,            // fewer bytes than the header declares
    bad_section = 8,          // a section is missing, misaligned, duplicated or mistyped
    bad_parameter = 9,        // a model parameter has an impossible value
    type_mismatch = 10,       // input scalar type differs from the model's feature type
    bad_argument = 11,        // a null pointer or an otherwise unusable argument
};

constexpr const char* status_name(Status s) {
    switch (s) {
        case Status::ok: return "ok";
        case Status::bad_magic: return "bad_magic";
        case Status::bad_checksum: return "bad_checksum";
        case Status::unsupported_version: return "unsupported_version";
        case Status::unsupported_kind: return "unsupported_kind";
        case Status::size_mismatch: return "size_mismatch";
        case Status::out_of_range: return "out_of_range";
        case Status::truncated: return "truncated";
        case Status::bad_section: return "bad_section";
        case Status::bad_parameter: return "bad_parameter";
        case Status::type_mismatch: return "type_mismatch";
        case Status::bad_argument: return "bad_argument";
    }
    return "unknown_status";
}

}  // namespace microlearn
