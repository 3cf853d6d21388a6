/*
 * kat.c - known-answer vectors of the crypto core (see kat.h), transcribed from the RFC texts.
 * Layer: crypto.  Each entry names its source section; the checks live in kat_check.c.
 * Sources: RFC 8032 §7.1, RFC 7748 §5.2 and §6.1, RFC 4231 §4.2-§4.8, RFC 5869 Appendix A,
 * RFC 8439 §2.8.2, draft-irtf-cfrg-xchacha-03 §A.3.1, RFC 7693 Appendix A.
 */
#include "crypto/kat.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- RFC 8032 §7.1, Test Vectors for Ed25519 ------------------------------------------- */

const sz_kat_ed25519 sz_kat_ed25519_tab[] = {
	{ "Ed25519, RFC 8032 §7.1 TEST 1",
	    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    "",
	    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "Ed25519, RFC 8032 §7.1 TEST 2",
	    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	    "72",
	    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "Ed25519, RFC 8032 §7.1 TEST 3",
	    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	    "af82",
	    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	    "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	{ "Ed25519, RFC 8032 §7.1 TEST 1024",
	    "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
	    "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
	    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
	    "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
	    "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
	    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
	    "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
	    "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
	    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
	    "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
	    "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
	    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
	    "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
	    "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
	    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
	    "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
	    "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
	    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
	    "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
	    "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
	    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
	    "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
	    "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
	    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
	    "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
	    "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
	    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
	    "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
	    "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
	    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
	    "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
	    "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
	    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
	    "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
	    "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
	    "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03" },
	{ "Ed25519, RFC 8032 §7.1 TEST SHA(abc)",
	    "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
	    "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	    "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
	    "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
};
const size_t sz_kat_ed25519_n = COUNT(sz_kat_ed25519_tab);

/* --- RFC 7748 §5.2 and §6.1, X25519 ------------------------------------------------------ */

const sz_kat_x25519 sz_kat_x25519_tab[] = {
	{ "X25519, RFC 7748 §5.2 vector 1",
	    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	    "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
	{ "X25519, RFC 7748 §5.2 vector 2",
	    "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	    "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	    "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
};
const size_t sz_kat_x25519_n = COUNT(sz_kat_x25519_tab);

const sz_kat_x25519_iter sz_kat_x25519_iter_tab[] = {
	{ "X25519, RFC 7748 §5.2 after 1 iteration", 1, 0,
	    "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079" },
	{ "X25519, RFC 7748 §5.2 after 1,000 iterations", 1000, 0,
	    "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51" },
	{ "X25519, RFC 7748 §5.2 after 1,000,000 iterations", 1000000, 1,
	    "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424" },
};
const size_t sz_kat_x25519_iter_n = COUNT(sz_kat_x25519_iter_tab);

const sz_kat_x25519_dh sz_kat_x25519_dh_tab[] = {
	{ "X25519 Diffie-Hellman, RFC 7748 §6.1",
	    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
};
const size_t sz_kat_x25519_dh_n = COUNT(sz_kat_x25519_dh_tab);

/* --- RFC 4231 §4.2-§4.8, HMAC-SHA-256 and HMAC-SHA-512 ------------------------------------ */

#define TC1_KEY "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define TC1_DATA "4869205468657265"
#define TC2_KEY "4a656665"
#define TC2_DATA "7768617420646f2079612077616e7420666f72206e6f7468696e673f"
#define TC3_KEY "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TC3_DATA "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddddddddddddddddddddddddddd"
#define TC4_KEY "0102030405060708090a0b0c0d0e0f10111213141516171819"
#define TC4_DATA "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define TC5_KEY "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"
#define TC5_DATA "546573742057697468205472756e636174696f6e"
#define TC67_KEY \
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	    "aaaaaa"
#define TC6_DATA \
	    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" \
	    "65204b6579202d2048617368204b6579204669727374"
#define TC7_DATA \
	    "5468697320697320612074657374207573696e672061206c6172676572207468" \
	    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" \
	    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" \
	    "647320746f20626520686173686564206265666f7265206265696e6720757365" \
	    "642062792074686520484d414320616c676f726974686d2e"

const sz_kat_hmac sz_kat_hmac_tab[] = {
	{ "HMAC-SHA-256, RFC 4231 §4.2 test case 1", SZ_HASH_SHA256, TC1_KEY, TC1_DATA,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "HMAC-SHA-512, RFC 4231 §4.2 test case 1", SZ_HASH_SHA512, TC1_KEY, TC1_DATA,
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "HMAC-SHA-256, RFC 4231 §4.3 test case 2", SZ_HASH_SHA256, TC2_KEY, TC2_DATA,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ "HMAC-SHA-512, RFC 4231 §4.3 test case 2", SZ_HASH_SHA512, TC2_KEY, TC2_DATA,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "HMAC-SHA-256, RFC 4231 §4.4 test case 3", SZ_HASH_SHA256, TC3_KEY, TC3_DATA,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "HMAC-SHA-512, RFC 4231 §4.4 test case 3", SZ_HASH_SHA512, TC3_KEY, TC3_DATA,
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "HMAC-SHA-256, RFC 4231 §4.5 test case 4", SZ_HASH_SHA256, TC4_KEY, TC4_DATA,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ "HMAC-SHA-512, RFC 4231 §4.5 test case 4", SZ_HASH_SHA512, TC4_KEY, TC4_DATA,
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ "HMAC-SHA-256, RFC 4231 §4.6 test case 5 (128 bits)", SZ_HASH_SHA256, TC5_KEY, TC5_DATA,
	    "a3b6167473100ee06e0c796c2955552b" },
	{ "HMAC-SHA-512, RFC 4231 §4.6 test case 5 (128 bits)", SZ_HASH_SHA512, TC5_KEY, TC5_DATA,
	    "415fad6271580a531d4179bc891d87a6" },
	{ "HMAC-SHA-256, RFC 4231 §4.7 test case 6", SZ_HASH_SHA256, TC67_KEY, TC6_DATA,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ "HMAC-SHA-512, RFC 4231 §4.7 test case 6", SZ_HASH_SHA512, TC67_KEY, TC6_DATA,
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "HMAC-SHA-256, RFC 4231 §4.8 test case 7", SZ_HASH_SHA256, TC67_KEY, TC7_DATA,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	{ "HMAC-SHA-512, RFC 4231 §4.8 test case 7", SZ_HASH_SHA512, TC67_KEY, TC7_DATA,
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};
const size_t sz_kat_hmac_n = COUNT(sz_kat_hmac_tab);

/* --- RFC 5869 Appendix A.1-A.3, HKDF-SHA-256 ---------------------------------------------- */

const sz_kat_hkdf sz_kat_hkdf_tab[] = {
	{ "HKDF-SHA-256, RFC 5869 A.1",
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c",
	    "f0f1f2f3f4f5f6f7f8f9",
	    42,
	    "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865" },
	{ "HKDF-SHA-256, RFC 5869 A.2",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	    "404142434445464748494a4b4c4d4e4f",
	    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	    82,
	    "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "HKDF-SHA-256, RFC 5869 A.3",
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "",
	    "",
	    42,
	    "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8" },
};
const size_t sz_kat_hkdf_n = COUNT(sz_kat_hkdf_tab);

/* --- RFC 8439 §2.8.2 and draft-irtf-cfrg-xchacha-03 §A.3.1 -------------------------------- */

#define AEAD_KEY "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
#define AEAD_AD "50515253c0c1c2c3c4c5c6c7"
/* "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future,
 * sunscreen would be it." */
#define AEAD_PT \
	    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173" \
	    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f" \
	    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73" \
	    "637265656e20776f756c642062652069742e"

const sz_kat_aead sz_kat_aead_tab[] = {
	{ "ChaCha20-Poly1305, RFC 8439 §2.8.2", 0, AEAD_KEY,
	    "070000004041424344454647", AEAD_AD, AEAD_PT,
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116"
	    "1ae10b594f09e26a7e902ecbd0600691" },
	{ "XChaCha20-Poly1305, draft-irtf-cfrg-xchacha-03 §A.3.1", 1, AEAD_KEY,
	    "404142434445464748494a4b4c4d4e4f5051525354555657", AEAD_AD, AEAD_PT,
	    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	    "21f9664c97637da9768812f615c68b13b52e"
	    "c0875924c1c7987947deafd8780acf49" },
};
const size_t sz_kat_aead_n = COUNT(sz_kat_aead_tab);

/* --- RFC 7693 Appendix A, BLAKE2b-512("abc") ---------------------------------------------- */

const sz_kat_blake2b sz_kat_blake2b_tab[] = {
	{ "BLAKE2b-512, RFC 7693 Appendix A (\"abc\")", "616263",
	    "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
	    "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923" },
};
const size_t sz_kat_blake2b_n = COUNT(sz_kat_blake2b_tab);
