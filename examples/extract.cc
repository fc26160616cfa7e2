// Structured extraction into a C++ struct with generate_object<T>.
//
//   ./extract                                 # LM Studio at http://localhost:1234, loaded model
//   ./extract http://10.0.0.5:1234 "Grace Hopper <grace@navy.mil>, US Navy, born 1906"
//   ./extract mock                            # the mock answers with a schema-conforming object
#include <roci/roci.h>

#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <string>

struct Contact {
  std::string name;
  std::string email;
  std::string organization;
  int born = 0;

  // The schema the model's JSON must match; generate_object<Contact> finds it here.
  static boost::json::value json_schema() {
    return boost::json::parse(R"({"type":"object",
      "required":["name","email","organization","born"],
      "properties":{"name":{"type":"string"},"email":{"type":"string"},
                    "organization":{"type":"string"},
                    "born":{"type":"integer","minimum":0,"maximum":2100}}})");
  }
};

// boost::json::value_to<Contact>: found by argument-dependent lookup.
Contact tag_invoke(boost::json::value_to_tag<Contact>, const boost::json::value& v) {
  const auto& o = v.as_object();
  return {std::string(o.at("name").as_string()), std::string(o.at("email").as_string()),
          std::string(o.at("organization").as_string()), static_cast<int>(o.at("born").as_int64())};
}

int main(int argc, char** argv) {
  const std::string where = argc > 1 ? argv[1] : "http://localhost:1234";
  std::unique_ptr<roci::Provider> provider;
  if (where == "mock") {
    provider = std::make_unique<roci::MockProvider>();
  } else {
    provider =
        std::make_unique<roci::LmStudioProvider>(roci::LmStudioModel::custom("local-model"), where);
  }
  const std::string text = argc > 2 ? argv[2]
                                    : "Ada Lovelace (ada@analytical.engine) worked with Charles "
                                      "Babbage on the Analytical Engine; she was born in 1815.";
  roci::ProviderRequest request;
  request.messages.push_back(roci::ModelMessage::user("Extract the contact from: " + text));
  request.settings.max_tokens = 512;

  auto contact =
      roci::generate_object<Contact>(*provider, request, roci::ObjectOptions{.repair = true});
  if (!contact) {
    std::cerr << "Error: " << contact.error().message << "\n";
    return 1;
  }
  std::cout << "name: " << contact->object.name << "\nemail: " << contact->object.email
            << "\norganization: " << contact->object.organization
            << "\nborn: " << contact->object.born << "\n";
  return 0;
}
